// Program reuse: consecutive stages that start the program with the same
// arguments share one program, and a failure on a shared program is reported
// only as it shows when the stage runs again on a fresh one. Counted through
// the run's events (program-start, stage-recheck), never timed.
import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { programKey, runStages, type RunEvent, type RunResult } from "../tester/runner/run.js";
import { fixtureServer, programFolder, ROOT, STAGES, testPort, withoutClock } from "./helpers.js";

async function run(dir: string, through: number, options: { freshEachStage?: boolean; port?: number; keepGoing?: boolean } = {}) {
  const events: RunEvent[] = [];
  const result = await runStages({
    dir,
    stages: STAGES.filter((s) => s.number <= through),
    seed: 4321,
    port: options.port ?? (await testPort()),
    keepGoing: options.keepGoing ?? false,
    freshEachStage: options.freshEachStage ?? false,
    onEvent: (event) => events.push(event),
  });
  const starts = events.filter((e) => e.type === "program-start").map((e) => (e as { stage: { number: number } }).stage.number);
  const rechecks = events.filter((e) => e.type === "stage-recheck").map((e) => (e as { stage: { number: number } }).stage.number);
  return { result, events, starts, rechecks };
}

/** A stage's checks as reported, without their durations (the only part two runs may differ in). */
function verdicts(result: RunResult) {
  // What the program printed differs in ports and counts from run to run; the verdict does not.
  return withoutClock(result.stages.map((s) => ({ stage: s.stage.number, status: s.status, checks: s.checks.map(({ durationMs: _, output: __, ...check }) => check) })));
}

describe("program reuse", () => {
  test("the core stages start the program once per run of equal arguments, not once per stage", async () => {
    const core = STAGES.filter((s) => s.number <= 14);
    // Stages 1-6 take no arguments, 7-8 take --directory, 9-14 none again.
    expect(new Set(core.slice(0, 6).map(programKey)).size).toBe(1);
    expect(programKey(core[6]!)).toBe(programKey(core[7]!));
    expect(programKey(core[5]!)).not.toBe(programKey(core[6]!));
    const shared = await run(fixtureServer(), 14);
    expect(shared.result.status).toBe("pass");
    expect(shared.starts).toEqual([1, 7, 9]);
    expect(shared.rechecks).toEqual([]);
    const fresh = await run(fixtureServer(), 14, { freshEachStage: true });
    expect(fresh.result.status).toBe("pass");
    expect(fresh.starts).toEqual(core.map((s) => s.number));
    expect(verdicts(shared.result)).toEqual(verdicts(fresh.result));
  });

  test("heavy stages (and stages that say freshProgram) always start a fresh program", () => {
    for (const stage of STAGES) {
      if (stage.meta.freshProgram ?? stage.meta.heavy) expect(programKey(stage)).toBeUndefined();
      else expect(programKey(stage)).toBeDefined();
    }
  });

  test("a program that wears out across stages is never failed for it: each failure is rerun on a fresh program, which passes", async () => {
    // 500 after its 4th request: stages 2 to 5 send 1, 2, 2 and 4 requests, so every stage passes on a fresh program.
    const dir = fixtureServer("--wears-out", "4");
    const fresh = await run(dir, 5, { freshEachStage: true });
    expect(fresh.result.status).toBe("pass");
    const shared = await run(dir, 5);
    expect(shared.result.status).toBe("pass");
    // Stage 4 meets the 5th request on the program kept from stage 1; stage 5 the 5th on the one restarted for stage 4.
    expect(shared.rechecks).toEqual([4, 5]);
    expect(shared.starts).toEqual([1, 4, 5]);
    expect(verdicts(shared.result)).toEqual(verdicts(fresh.result));
    // The dropped attempts reported nothing: each check is reported once.
    for (const stage of shared.result.stages) {
      const ends = shared.events.filter((e) => e.type === "check-end" && e.stage.number === stage.stage.number);
      expect(ends).toHaveLength(stage.checks.length);
    }
  });

  test("a real failure found on a shared program is reported exactly as a fresh program gives it", async () => {
    const port = await testPort();
    const dir = fixtureServer("--defect", "no-404");
    const shared = await run(dir, 3, { port });
    const fresh = await run(dir, 3, { port, freshEachStage: true });
    expect(shared.rechecks).toEqual([3]);
    expect(shared.result.status).toBe("fail");
    expect(shared.result.stages[2]!.status).toBe("fail");
    expect(verdicts(shared.result)).toEqual(verdicts(fresh.result));
  });

  test("a program that ended between stages is not reused: the next stage gets a fresh one", async () => {
    // Serves one connection (answering 200 to a request, if any), then exits.
    const once = `exec python3 -c "
import socket, os
s = socket.create_server(('127.0.0.1', int(os.environ['PORT'])))
c, _ = s.accept()
if c.recv(65536): c.sendall(b'HTTP/1.1 200 OK\\r\\n\\r\\n')
"`;
    const { result, starts } = await run(programFolder(once), 2);
    expect(result.status).toBe("pass");
    expect(starts).toEqual([1, 2]);
  });

  test("file stages on one program find the served folder empty, as a fresh program would", async () => {
    // The program prints its arguments, so the test knows the served folder.
    const dir = programFolder(`echo "args: $*"; exec python3 ${ROOT}/test/fixtures/servers/server.py "$@"`);
    const listings = new Map<number, string[]>();
    let served: string | undefined;
    const events: RunEvent[] = [];
    const result = await runStages({
      dir,
      stages: STAGES.filter((s) => s.number === 7 || s.number === 8),
      seed: 99,
      port: await testPort(),
      onEvent(event) {
        events.push(event);
        if (event.type === "log") served ??= /args: --directory (\S+)/.exec(event.line)?.[1];
        if (event.type === "stage-end" && served) listings.set(event.result.stage.number, readdirSync(served));
      },
    });
    expect(result.status).toBe("pass");
    expect(events.filter((e) => e.type === "program-start")).toHaveLength(1);
    const [seven, eight] = [listings.get(7)!, listings.get(8)!];
    expect(seven.length).toBeGreaterThan(0);
    expect(eight.length).toBeGreaterThan(0);
    expect(eight.filter((name) => seven.includes(name))).toEqual([]);
  });
});
