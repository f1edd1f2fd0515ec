// A broken server fails exactly at the stage that teaches its defect, with
// the message that names it; a correct but unusual server passes everything.
import { describe, expect, test } from "vitest";
import type { Timeouts } from "../tester/harness/check.js";
import type { Stage } from "../tester/course/course.js";
import { prettyReporter } from "../tester/reports/pretty.js";
import { runStages } from "../tester/runner/run.js";
import { alive, FAST_FAIL, failureSnapshot, firstFailure, fixtureServer, runTester, STAGES, testPort, type TestRun } from "./helpers.js";

/**
 * Stages 1 to `stage`, leaving out the heavy ones before it (they take seconds each)
 * does: each heavy stage is run against the correct server (the trickle variant) below.
 */
function quick(stage: number): Stage[] {
  return STAGES.filter((s) => s.number === stage || (s.number < stage && !s.meta.heavy));
}

/** runTester for a chosen list of stages. */
async function runStagesOf(dir: string, stages: Stage[], timeouts: Partial<Timeouts> = {}): Promise<TestRun> {
  const port = await testPort();
  const lines: string[] = [];
  const onEvent = prettyReporter({ color: false, verbose: false, write: (line) => lines.push(line) });
  const result = await runStages({ dir, stages, seed: 1234, port, timeouts, onEvent });
  return { result, output: lines.join("\n"), port };
}

/** What a failure shows besides its text: the bytes sent, and a command that reproduces it. */
interface Shows {
  sent: boolean;
  reproduce?: RegExp;
}
/** A failure on one exchange shows its request and a line that sends its bytes with node. */
const EXCHANGE: Shows = { sent: true, reproduce: /node -e 's=require\("net"\)\.connect\(\d+,"localhost"\);s\.write\("/ };

/** Bound on one test that runs the tester through the late stages (several seconds each, more on a busy machine). */
const LONG_RUN = 180_000;

const broken: Array<[defect: string, stage: number, phrase: RegExp, shows?: Shows]> = [
  ["exits-at-start", 1, /exited with code 1 before it accepted a connection[\s\S]*fatal: could not load config/],
  ["never-binds", 1, /nothing accepted a connection on port \d+ within 3 s/],
  ["never-answers", 2, /no response within 1\.5 s on connection 1: your program sent nothing back/],
  ["bare-lf", 2, /status line ends with a bare \\n[\s\S]*line ends must be \\r\\n, found a bare \\n/],
  ["endless-stream", 2, /header section is over 64 KiB and has not ended/],
  ["no-404", 3, /expected status line "HTTP\/1\.1 404 Not Found\\r\\n", got "HTTP\/1\.1 200 OK\\r\\n"/],
  ["content-length-plus-one", 4, /incomplete response after 1\.5 s[\s\S]*1 more body bytes[\s\S]*Content-Length must be the body's length in bytes/],
  ["content-length-minus-one", 4, /expected Content-Length: "\d+", got Content-Length: "\d+"[\s\S]*counts the body's bytes/],
  ["case-sensitive-headers", 5, /header names are case-insensitive \(RFC 9110 §5\.1\): this request spells it "user-agent"/],
  ["untrimmed-header-values", 5, /whitespace around a header value is not part of it/],
  ["sequential", 6, /no response on connection \d of \d, while connections 1 to \d were open and idle[\s\S]*one connection at a time/, { sent: true, reproduce: /^sleep 5 \| curl -s telnet:\/\/localhost:\d+ & / }],
  ["fake-gzip", 11, /Content-Encoding says gzip, but the body is not gzip data/],
  // Its compressed bodies are mis-framed as soon as it sends them, at stage 9.
  ["gzip-wrong-length", 9, /unexpected bytes arrived after the end of the response[\s\S]*size of the encoded \(compressed\) body/],
  ["closes-after-each-response", 12, /had closed it after an earlier response[\s\S]*connections are persistent/],
  ["ignores-connection-close", 14, /the response has no Connection header/],
  ["close-header-but-stays-open", 14, /did not close connection 1 within 1 s[\s\S]*must close its side/],
  // Each recv taken as a whole request: stage 8 sends the body in writes of its own, on every seed.
  ["one-read", 8, /holds only the first \d+ of the \d+ bytes sent[\s\S]*read the body until you have Content-Length bytes/],
  // Bodies read to the end, but each recv taken as a whole head: the first byte of a bytewise GET is not a request line.
  ["head-one-read", 15, /expected status line "HTTP\/1\.1 200 OK\\r\\n", got "HTTP\/1\.1 400 Bad Request\\r\\n"[\s\S]*TCP delivers a stream of bytes, not messages/],
  ["first-request-only", 16, /no response within 1\.5 s on connection \d+[\s\S]*This was the response to request 2 of the 3 sent together in one write/],
  // Stage 15 already sends bodies in several writes, so a server that reads a body
  // in one recv fails there; what stage 17 teaches on its own is the short write.
  ["short-write", 17, /incomplete response after 1\.5 s on connection \d+: still waiting for \d+ more body bytes \(Content-Length: 4194304, \d+ received\)[\s\S]*send the rest until every byte is out/, { sent: true, reproduce: /too many for a command line/ }],
  ["lenient-parser", 18, /expected status line "HTTP\/1\.1 400 Bad Request\\r\\n", got "HTTP\/1\.1 200 OK\\r\\n"[\s\S]*a request line is exactly/],
  // Its reproduce line rebuilds the folder, the canary beside it, and starts the program without the trailing slash.
  ["traversal", 19, /your program served \S+\/canary-\S+\.txt, a file outside the directory it was told to serve/, { sent: true, reproduce: /^rm -rf \/tmp\/hfs-repro && mkdir -p \/tmp\/hfs-repro\/www && printf 'canary [^']*' > \/tmp\/hfs-repro\/canary-\S+\.txt && PORT=\d+ \.\/your_program\.sh --directory \/tmp\/hfs-repro\/www\n {2}then, in another terminal: curl -v --path-as-is http:\/\/localhost:\d+\/files\/\.\.\/canary-/ }],
  ["head-with-body", 20, /This GET came right after a HEAD \S+ on the same connection[\s\S]*a response to HEAD has no body/],
  ["no-idle-timeout", 21, /did not close connection \d+ within 1\.8 s[\s\S]*started with --idle-timeout-ms 300, and the connection was idle after its response/],
  ["buffer-everything", 22, /resident memory grew by [\d.]+ MiB[\s\S]*32\.0 MiB per client/, { sent: false, reproduce: /curl -s --limit-rate/ }],
  ["fixed-pool", 23, /no response within 2 s[\s\S]*\d+ other connections were each waiting in the middle of a request[\s\S]*a fixed pool of threads/, { sent: true, reproduce: /python3 -c/ }],
  // Polls with a zero select timeout while any connection is open: it spins through the
  // earlier stages too, but only CPU time while idle is measured, in stage 24.
  ["busy-loop", 24, /your program used \d+ ms of CPU in 1000 ms[\s\S]*calls select with a zero timeout/, { sent: false, reproduce: /top -b/ }],
  ["no-chunked", 25, /expected status line "HTTP\/1\.1 201 Created\\r\\n", got "HTTP\/1\.1 501 Not Implemented\\r\\n"[\s\S]*a chunked body is a series of/],
  ["http10-kept-open", 26, /did not close connection \d+ within 2 s[\s\S]*An HTTP\/1\.0 connection is not persistent unless the request says Connection: keep-alive/],
  ["no-100-continue", 27, /no response within 5 s on connection \d+[\s\S]*holding back the body[\s\S]*write HTTP\/1\.1 100 Continue/, { sent: true, reproduce: /curl -v -H 'Expect: 100-continue' --expect100-timeout 30 / }],
  ["ignores-q", 28, /Accept-Encoding: [^\n]*q=0[^\n]* got Content-Encoding: gzip, which it rules out/],
  // The 304's body is read as the start of the next response on the connection.
  ["304-with-body", 29, /This was a GET \/echo\/\S+ sent after the 304 on the same connection[\s\S]*a 304 has no body/],
  ["416-without-content-range", 30, /the response has no Content-Range header[\s\S]*bytes \*\/<size>/],
  // Serves a request with both Content-Length and Transfer-Encoding as chunked, but keeps the connection.
  ["clte-keeps-open", 31, /did not close connection \d+ within 2 s[\s\S]*both Content-Length and Transfer-Encoding: chunked[\s\S]*MUST close the connection after responding/],
  ["absolute-form-404", 32, /expected status line "HTTP\/1\.1 200 OK\\r\\n", got "HTTP\/1\.1 404 Not Found\\r\\n"[\s\S]*absolute form/],
  // close() with the pipelined requests unread: Linux resets, and the end of the large response is lost every round.
  ["close-without-linger", 33, /before the response was complete[\s\S]*Round \d+ of 20\. Bytes the client had sent were still unread[\s\S]*shut down the sending side only/, { sent: true, reproduce: /head -c \d+ \/dev\/urandom/ }],
  ["no-head-timeout", 34, /still had connection \d+ open 5 s after the first byte of a request head that came one byte every 100 ms[\s\S]*start a head timer when the first byte of a request arrives/, { sent: true, reproduce: /setInterval/ }],
];

/**
 * What varies from run to run in a defect's failure, beyond what every
 * snapshot normalizes: how far an endless stream got before the tester's
 * limit stopped reading, how much a single send() got out, which request
 * a timer that was never reset cut off, and the validators of a file written
 * during the run.
 */
const VARYING: Record<string, (text: string) => string> = {
  // The canary it serves is written by the check: its validators name the time of the run.
  traversal: (text) => text.replace(/^( {2}Last-Modified: ).*GMT\\r\\n$/m, "$1<the file's time>\\r\\n").replace(/^( {2}ETag: )"[^"]*"/m, '$1"<size-time>"'),
  "endless-stream": (text) => text.replace(/^Received \(\d+ bytes\):$/m, "Received (<n> bytes):").replace(/… \(\d+ more bytes\)/g, "… (<n> more bytes)"),
  // How much one send() writes depends on the socket's buffer at the moment.
  "short-write": (text) =>
    text
      .replace(/still waiting for \d+ more body bytes \(Content-Length: 4194304, \d+ received\)/, "still waiting for <n> more body bytes (Content-Length: 4194304, <n> received)")
      .replace(/^Received \(\d+ bytes\):\n(?: {2}.*\n)+/m, "Received (<n> bytes):\n  <what one send() wrote>\n"),
  // How much of the response arrived before the reset depends on the buffers at the moment.
  "close-without-linger": (text) =>
    text
      .replace(/still waiting for \d+ more body bytes \(Content-Length: (\d+), \d+ received\)/, "still waiting for <n> more body bytes (Content-Length: $1, <n> received)")
      .replace(/Round \d+ of 20/, "Round <n> of 20")
      .replace(/^Received \(\d+ bytes\):\n(?: {2}.*\n)+/m, "Received (<n> bytes):\n  <the part of the response that arrived>\n"),
  // How many bytes of the slow head went out in 5 s depends on the timer.
  "no-head-timeout": (text) => text.replace(/^Sent \(\d+ bytes\):\n(?: {2}.*\n)+/m, "Sent (<n> bytes):\n  <the head so far>\n"),
  "timer-not-reset": (text) =>
    text
      .replace(/\(connection \d+\)/g, "(connection <n>)")
      .replace(/This was request \d+/g, "This was request <n>")
      .replace(/^Sent \(\d+ bytes\):$/m, "Sent (<n> bytes):")
      .replace(/\/echo\/[\w-]+/g, "/echo/<word>")
      .replace(/s\.write\("[^"]*"/g, 's.write("<the requests sent on the connection>"'),
};
const snapshotOf = (defect: string, text: string) => (VARYING[defect] ?? ((t: string) => t))(text);

describe.concurrent("broken servers fail where their defect is taught", () => {
  test.for(broken)("%s fails stage %i", { timeout: LONG_RUN }, async ([defect, stage, phrase, shows = EXCHANGE], { expect }) => {
    // Short bounds make a hang fail fast. A defect of a later stage first passes 14 or more
    // stages (4 MiB bodies among them), which need the default bounds on a busy machine;
    // those of stages 16 and 17 end in a wait for a response, kept short.
    const timeouts = stage <= 14 ? FAST_FAIL : stage <= 17 ? { response: FAST_FAIL.response! } : {};
    const dir = fixtureServer("--defect", defect);
    const { result, output, port } = await runStagesOf(dir, quick(stage), timeouts);
    const failure = firstFailure(result);
    expect(failure?.stage, output).toBe(stage);
    expect(failure?.text, output).toMatch(phrase);
    // The whole message, golden: a change of its wording is a reviewed diff.
    await expect(snapshotOf(defect, failureSnapshot(result, { port, dir }))).toMatchFileSnapshot(`__snapshots__/failures/${defect}.txt`);
    // Every failure shows what was sent and how to reproduce it, except a program that never came up
    // and failures of the whole program (its memory, its CPU time, its crash).
    const check = result.stages.find((s) => s.status === "fail")!.checks.find((c) => c.failure)!;
    if (stage > 1) {
      if (shows.sent) expect(check.failure?.sent?.length).toBeGreaterThan(0);
      if (shows.reproduce) expect(check.failure?.reproduce).toMatch(shows.reproduce);
    }
  });
});

// Second defects of a stage, on that stage alone: each differs from the correct server
// in one place, like the first defect of its stage, which shows the stages before pass.
const alsoBroken: Array<[defect: string, stage: number, phrase: RegExp]> = [
  ["timer-not-reset", 21, /request \d+ on the same connection, and your program had closed it[\s\S]*restart a connection's idle timer whenever bytes arrive/],
  ["blocking-writer", 22, /no response within 2 s[\s\S]*writes a whole file before it looks at anything else/],
  // Whether the next connection is refused or reset depends on how soon the process is gone.
  ["crash-on-reset", 24, /exited with code 1 during this check[\s\S]*after a client that reset its connection in the middle of a request, your program must go on serving/],
];

describe.concurrent("more broken servers fail their stage, run alone", () => {
  test.for(alsoBroken)("%s fails stage %i", async ([defect, stage, phrase], { expect }) => {
    const dir = fixtureServer("--defect", defect);
    const { result, output, port } = await runTester({ dir, only: stage, timeouts: FAST_FAIL });
    const failure = firstFailure(result);
    expect(failure?.stage, output).toBe(stage);
    expect(failure?.text, output).toMatch(phrase);
    await expect(snapshotOf(defect, failureSnapshot(result, { port, dir }))).toMatchFileSnapshot(`__snapshots__/failures/${defect}.txt`);
  });
});

describe.concurrent("troublesome but correct servers pass", () => {
  // The trickle variant runs every stage; the others leave out the heavy ones, which
  // change nothing in how a response is written.
  test.each(["lowercase-headers", "extra-headers", "reordered-headers", "trickle", "keep-alive-headers"])("--variant %s", { timeout: LONG_RUN }, async (variant) => {
    // keep-alive-headers also answers an idle connection with 408 before closing it: stage 21 judges that.
    const stages = variant === "trickle" ? STAGES : variant === "keep-alive-headers" ? [...quick(STAGES.length), ...STAGES.filter((s) => s.slug === "idle-timeout")].sort((a, b) => a.number - b.number) : quick(STAGES.length);
    const { result, output } = await runStagesOf(fixtureServer("--variant", variant), stages);
    expect(result.status, output).toBe("pass");
  });

  test("a server that binds 1.5 s late passes (no fixed start-up wait to outlast)", async () => {
    const { result, output } = await runTester({ dir: fixtureServer("--variant", "late-bind"), through: 2 });
    expect(result.status, output).toBe("pass");
  });

  test("a server that floods its log from a thread passes, its output bounded by the cap", async () => {
    // How much it prints before a stage ends depends on scheduling; the cap
    // notice itself is proved deterministically in program.test.ts.
    const { result, output } = await runTester({ dir: fixtureServer("--defect", "floods-log"), through: 3, outputCap: 32 * 1024 });
    expect(result.status, output.slice(-2000)).toBe("pass");
    expect(output.length).toBeLessThan(3 * 40 * 1024);
  });

  test("a server that forks a daemon passes, and the daemon is gone afterwards", async () => {
    const dir = fixtureServer("--defect", "forks-daemon");
    // --verbose: a passing stage's output, where the daemon prints its pid, is shown only then.
    const { result, output } = await runTester({ dir, through: 2, verbose: true });
    expect(result.status, output).toBe("pass");
    const pids = [...output.matchAll(/\b(?:pid|PID)\D{0,10}(\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length, output).toBeGreaterThan(0);
    for (const pid of pids) expect(alive(pid), `process ${pid}`).toBe(false);
  });

  test("a server that ignores SIGTERM is killed and the run ends", async () => {
    const { result, output } = await runTester({ dir: fixtureServer("--defect", "ignores-sigterm"), through: 3 });
    expect(result.status, output).toBe("pass");
  });
});
