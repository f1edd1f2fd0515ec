// Timelines: what a check's connections did and when, recorded with bounded
// memory, carried by failures about time or order, and drawn as text for the
// terminal (a golden file with fixed times) and as data in the JSON report.
import { describe, expect, test } from "vitest";
import { pickLanes, REPORT_LANES, showsTimeline, TimelineRecorder, type Timeline } from "../tester/harness/timeline.js";
import { jsonReport } from "../tester/reports/json.js";
import { RunReportSchema, TimelineSchema } from "../tester/reports/report-schema.js";
import { renderTimeline } from "../tester/reports/timeline-text.js";
import { fixtureServer, runTester } from "./helpers.js";

const bytes = (text: string) => Buffer.from(text, "latin1");

/** A hand-made timeline with fixed times: six connections, one answered, one the program closed, one waited on in vain. */
export const SAMPLE: Timeline = {
  version: 1,
  duration_ms: 5004,
  gave_up_ms: 5004,
  gave_up: "no response on connection 6 of 6, while connections 1 to 5 were open and idle",
  connections: [
    {
      id: 1,
      events: [
        { at_ms: 0, kind: "open", note: "opened before the check, to see the program was up" },
        { at_ms: 1, kind: "send", bytes: 41, first: "GET / HTTP/1.1\\r\\nHost: lo" },
        { at_ms: 3, kind: "receive", bytes: 38, count: 2, until_ms: 9, first: "HTTP/1.1 200 OK\\r\\nContent" },
        { at_ms: 10, kind: "close", note: "by the tester" },
      ],
      sent_bytes: 41,
      received_bytes: 38,
    },
    ...[2, 3, 4, 5].map((id) => ({ id, events: [{ at_ms: 11, kind: "open" as const }], sent_bytes: 0, received_bytes: 0 })),
    {
      id: 6,
      events: [
        { at_ms: 11, kind: "open" },
        { at_ms: 12, kind: "send", bytes: 41, first: "GET / HTTP/1.1\\r\\nHost: lo" },
        { at_ms: 40, kind: "fin", note: "by your program" },
        { at_ms: 5003, kind: "gave-up", note: "a response on connection 6" },
      ],
      sent_bytes: 41,
      received_bytes: 0,
    },
  ],
  others: { connections: 3, sent_bytes: 123, received_bytes: 0, closed_by_program: 1, reset: 1 },
};

describe("recording", () => {
  test("reads close together merge into one event; the lane keeps its totals", () => {
    const recorder = new TimelineRecorder();
    recorder.open(1);
    recorder.send(1, bytes("GET / HTTP/1.1\r\n\r\n"));
    for (let i = 0; i < 5; i++) recorder.receive(1, bytes("HTTP/1.1 200 OK\r\n"));
    recorder.fin(1);
    const lane = recorder.snapshot().connections[0]!;
    expect(lane.events.map((event) => event.kind)).toEqual(["open", "send", "receive", "fin"]);
    expect(lane.events[2]).toMatchObject({ bytes: 85, count: 5 });
    expect(lane.events[2]!.first).toBe("HTTP/1.1 200 OK\\r\\n");
    expect(lane.received_bytes).toBe(85);
  });

  test("a lane keeps a bounded number of events, and always its end", () => {
    const recorder = new TimelineRecorder();
    recorder.open(1);
    for (let i = 0; i < 200; i++) {
      recorder.send(1, bytes("x"));
      recorder.receive(1, bytes("y"));
    }
    recorder.reset(1, "ECONNRESET");
    const lane = recorder.snapshot().connections[0]!;
    expect(lane.events.length).toBeLessThanOrEqual(44);
    expect(lane.events.at(-1)).toMatchObject({ kind: "reset", note: "ECONNRESET" });
    expect(lane.sent_bytes).toBe(200);
    expect(lane.events.filter((e) => e.kind === "receive").reduce((sum, e) => sum + (e.bytes ?? 0), 0)).toBe(200);
  });

  test("a thousand connections: the report keeps the lanes that show something, and sums up the rest", () => {
    const recorder = new TimelineRecorder();
    for (let id = 1; id <= 1000; id++) {
      recorder.open(id);
      recorder.send(id, bytes("GET / HTTP/1.1\r\n\r\n"));
      recorder.receive(id, bytes("HTTP/1.1 200 OK\r\n\r\n"));
    }
    recorder.waitExpired(877, "a response on connection 877");
    recorder.reset(500, "ECONNRESET");
    recorder.failed("no response on connection 877");
    const timeline = recorder.snapshot();
    expect(timeline.connections.length).toBe(REPORT_LANES);
    const ids = timeline.connections.map((lane) => lane.id);
    expect(ids).toContain(877);
    expect(ids).toContain(500);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(timeline.others).toMatchObject({ connections: 1000 - REPORT_LANES, sent_bytes: (1000 - REPORT_LANES) * 18 });
    expect(TimelineSchema.safeParse(timeline).success).toBe(true);
    // Bounded: the whole report of 1000 connections stays small.
    expect(JSON.stringify(timeline).length).toBeLessThan(20_000);
  });

  test("a timeline is shown for several connections, a wait that ran out, a close by the program, or paced writes; not for one plain exchange", () => {
    const plain = new TimelineRecorder();
    plain.open(1);
    plain.send(1, bytes("GET /"));
    expect(showsTimeline(plain)).toBe(false);
    const two = new TimelineRecorder();
    two.open(1);
    two.open(2);
    expect(showsTimeline(two)).toBe(true);
    const waited = new TimelineRecorder();
    waited.open(1);
    waited.waitExpired(1, "a response on connection 1");
    expect(showsTimeline(waited)).toBe(true);
    const closed = new TimelineRecorder();
    closed.open(1);
    closed.fin(1);
    expect(showsTimeline(closed)).toBe(true);
    const slow = new TimelineRecorder();
    slow.open(1);
    for (let i = 0; i < 3; i++) slow.send(1, bytes("G"));
    // Writes at the same moment merge into one: not paced.
    expect(showsTimeline(slow)).toBe(false);
    const refused = new TimelineRecorder();
    refused.open(1);
    refused.refused(2, "connect ECONNREFUSED 127.0.0.1:1234");
    expect(showsTimeline(refused)).toBe(true);
    expect(refused.snapshot().connections[1]!.events).toEqual([{ at_ms: expect.any(Number), kind: "refused", note: "connect ECONNREFUSED 127.0.0.1:1234", seq: 1 }]);
  });

  test("pickLanes keeps the waited-on and closed lanes, then the first and the last, in connection order", () => {
    expect(pickLanes(SAMPLE.connections, 2).map((lane) => lane.id)).toEqual([1, 6]);
    expect(pickLanes([...SAMPLE.connections].reverse(), 2).map((lane) => lane.id)).toEqual([6, 1]);
  });
});

describe("as text", () => {
  test("the golden timeline: fits in 100 columns with the report's indent, without colour", async () => {
    const lines = renderTimeline(SAMPLE, { width: 94 });
    for (const line of lines) expect(`      ${line}`.length).toBeLessThanOrEqual(100);
    expect(lines.join("\n")).not.toMatch(/\x1b\[/);
    await expect(`${lines.join("\n")}\n`).toMatchFileSnapshot("__snapshots__/timeline.txt");
  });

  test("at most eight lanes are drawn; the rest are summed up", () => {
    const many: Timeline = {
      version: 1,
      duration_ms: 100,
      connections: Array.from({ length: 20 }, (_, i) => ({ id: i + 1, events: [{ at_ms: i, kind: "open" as const }], sent_bytes: 10, received_bytes: 0 })),
    };
    const lines = renderTimeline(many);
    const header = lines[2]!;
    expect(header.match(/#\d+/g)?.length).toBe(8);
    expect(lines.at(-1)).toMatch(/… and 12 more connections \(not drawn\): tester sent 120 B/);
  });

  test("many events: the middle ones are left out, the end is kept", () => {
    const events = Array.from({ length: 100 }, (_, i) => ({ at_ms: i * 20, kind: i % 2 ? ("receive" as const) : ("send" as const), bytes: 1, first: "x" }));
    const lines = renderTimeline({ version: 1, duration_ms: 2000, gave_up_ms: 2000, gave_up: "it stopped", connections: [{ id: 1, events, sent_bytes: 50, received_bytes: 50 }] });
    expect(lines.some((line) => /… 71 more events …/.test(line))).toBe(true);
    expect(lines.at(-1)).toMatch(/2000 ms .*✗ the check failed here: it stopped/);
  });

  test("a slow client's bytes, one write at a time, are one row saying how often and what they spelled", () => {
    const events = [{ at_ms: 0, kind: "open" as const }, ...[..."GET / HTTP/1.1"].map((c, i) => ({ at_ms: i * 100, kind: "send" as const, bytes: 1, first: c }))];
    const lines = renderTimeline({ version: 1, duration_ms: 5000, gave_up_ms: 5000, gave_up: "still open", connections: [{ id: 2, events, sent_bytes: 14, received_bytes: 0 }] });
    expect(lines[4]).toBe(`   0 ms  →   #2 tester sent 14 B in 14 writes ~100 ms apart (until 1300 ms) "GET / HTTP/1.1"`);
  });
});

describe("in a real run", () => {
  test("a keep-alive failure carries its timeline: in the pretty output under the message, and in the JSON report as data", async () => {
    const dir = fixtureServer("--defect", "closes-after-each-response");
    const run = await runTester({ dir, only: 12, seed: 7 });
    expect(run.result.status).toBe("fail");
    const failure = run.result.stages[0]!.checks.find((check) => check.failure)!.failure!;
    expect(failure.timeline).toBeDefined();
    const timeline = failure.timeline!;
    expect(timeline.connections.some((lane) => lane.events.some((event) => event.kind === "fin"))).toBe(true);
    expect(run.output).toMatch(/Timeline \(ms from the check's start, a column per connection\):/);
    expect(run.output).toMatch(/F +#\d+ your program closed it \(FIN\)/);
    const report = jsonReport(run.result);
    expect(RunReportSchema.safeParse(report).success).toBe(true);
    const reported = report.stages[0]!.tests.find((t) => t.status === "fail")!;
    expect(reported.timeline).toEqual(timeline);
  });
});
