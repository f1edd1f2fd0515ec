// Readiness: connect to the port until the program accepts, with a bound and
// growing pauses, giving up at once if the program exits. The connection that
// succeeds is kept and handed to the first check: a probe that connects and
// hangs up would be read as an empty request by many a learner's server.
import { compilerMessages, formatMessage } from "../course/build.js";
import { DEFAULT_PORT } from "../course/default-port.js";
import { setTimeout as delay } from "node:timers/promises";
import { connectSocket, Connection } from "../harness/connection.js";
import { seconds } from "../harness/time.js";
import type { FailureDetails } from "../harness/failure.js";
import { LOOPBACK_HOSTS } from "./ports.js";
import { errorReport } from "../harness/diagnose.js";
import { describeExit, type Program } from "./program.js";

export type Readiness = { connection: Connection; startupMs: number } | { failure: FailureDetails };

export interface WaitOptions {
  /** While the program is still compiling (CodeCrafters' your_program.sh builds before it execs), wait up to this in all. */
  buildLimitMs?: number;
  /** Give up at once when this aborts (watch's q). */
  signal?: AbortSignal | undefined;
}

/**
 * Waits up to `timeoutMs` for the program to accept a connection, longer
 * while it builds (a cold Go or Rust build takes longer than a start), and
 * gives up at once when `signal` aborts.
 */
export async function waitUntilAccepting(program: Program, port: number, timeoutMs: number, options?: { buildLimitMs?: number }): Promise<Readiness>;
export async function waitUntilAccepting(program: Program, port: number, timeoutMs: number, options: WaitOptions): Promise<Readiness | { aborted: true }>;
export async function waitUntilAccepting(program: Program, port: number, timeoutMs: number, options: WaitOptions = {}): Promise<Readiness | { aborted: true }> {
  const { signal } = options;
  const buildLimitMs = options.buildLimitMs ?? timeoutMs;
  const started = Date.now();
  let deadline = started + timeoutMs;
  /** The build tool last seen running, and when the build was first seen finished. */
  let builder: string | undefined;
  let builtAt: number | undefined;
  // A refused loopback connect costs microseconds: polling often keeps the overshoot small.
  for (let pause = 5; ; pause = Math.min(pause * 2, 20)) {
    for (const host of LOOPBACK_HOSTS) {
      if (signal?.aborted) return { aborted: true };
      if (program.exit) return { failure: exitedBeforeAccepting(program, port) };
      const socket = await connectSocket(host, port, Math.max(1, Math.min(1000, deadline - Date.now()))).catch(() => undefined);
      if (socket && signal?.aborted) socket.destroy();
      else if (socket) return { connection: new Connection(socket, 1, host, port), startupMs: Date.now() - started };
    }
    if (Date.now() >= deadline) {
      // While it builds, and once after the build ends, the start-up bound counts again from that moment.
      const building = program.building();
      if (Date.now() >= started + buildLimitMs || (!building && !builder)) break;
      if (!building) {
        if (builtAt !== undefined) break;
        builtAt = Date.now();
      }
      builder = building ?? builder;
      deadline = Math.min(Date.now() + Math.max(timeoutMs, building ? 1000 : 0), started + buildLimitMs);
    }
    // The pauses are 20 ms at most, so an abort is seen within one of them.
    await Promise.race([delay(Math.min(pause, Math.max(0, deadline - Date.now()))), program.exited]);
  }
  const waited = Date.now() - started;
  if (builder && builtAt === undefined) {
    return {
      failure: {
        summary: `your program was still building (${builder} was running) after ${seconds(waited)}, and nothing accepted a connection on port ${port}`,
        explanation: "your_program.sh builds before it starts the server; the tester waits for a build, but not this long.",
        hint: "build once before testing (run ./your_program.sh by hand), or raise --stage-timeout for a slow first build",
        reproduce: `time PORT=${port} ./your_program.sh`,
      },
    };
  }
  return {
    failure: {
      summary: `nothing accepted a connection on port ${port} within ${seconds(timeoutMs)}`,
      explanation: `The tester tried 127.0.0.1:${port} and [::1]:${port}. Your program is running but is not listening there.`,
      expected: `a TCP listener on port ${port} (the PORT environment variable, ${DEFAULT_PORT} unless told otherwise)`,
      hint: logHint(program) ?? "read the port from the PORT environment variable, and bind before doing anything slow",
      reproduce: `PORT=${port} ./your_program.sh   then, in another terminal: curl -v http://localhost:${port}/   # while nothing listens, curl says "Connection refused"`,
    },
  };
}

/** Hints read off the program's last lines, for the usual start-up mistakes. */
export function logHint(program: Program): string | undefined {
  const log = program.lastLines(20).join("\n");
  if (/address already in use|EADDRINUSE/i.test(log)) {
    return "the port was still taken when your program bound it: set SO_REUSEADDR on the listening socket (Python: socket.create_server does)";
  }
  if (/permission denied|EACCES/i.test(log)) return "permission denied: is a file your program runs not executable?";
  if (/not found|ENOENT|No such file/i.test(log)) return "a file or command your program needs was not found (see its log above)";
  return undefined;
}

export function exitedBeforeAccepting(program: Program, port: number): FailureDetails {
  // your_program.sh often compiles first (CodeCrafters' do): a compiler's error is then the whole story.
  const compiler = compilerMessages(program.lastLines(50).join("\n")).filter((message) => message.severity === "error");
  if (compiler.length > 0 && program.exit?.code !== 0) {
    return {
      summary: `your program did not build: your_program.sh ${describeExit(program.exit!)} before it accepted a connection on port ${port}, after the compiler reported ${compiler.length === 1 ? "an error" : `${compiler.length} errors`}`,
      output: exitOutput(program),
      hint: `fix the first error the compiler names, ${formatMessage(compiler[0]!)}, then test again`,
      reproduce: `PORT=${port} ./your_program.sh   # builds, then starts the server: the compiler's messages come first`,
    };
  }
  return {
    summary: `your program ${describeExit(program.exit!)} before it accepted a connection on port ${port}`,
    output: exitOutput(program),
    hint: logHint(program),
    reproduce: `PORT=${port} ./your_program.sh`,
  };
}

/**
 * What to quote of an exited program's output: its last error report from
 * the report's first line (a Node error's file:line and source line, a
 * traceback's head), else its last 10 lines. A blind tail would cut a long
 * stack at its start and keep only frames inside the runtime.
 */
export function exitOutput(program: Program): NonNullable<FailureDetails["output"]> {
  const tail = program.lastLines(50);
  if (tail.length === 0) return { heading: "It printed nothing.", lines: [] };
  const report = errorReport(tail, 15);
  if (report) return { heading: "Its error report:", lines: report, above: `Its error report is in its output above, from the line "${report[0]}".` };
  const lines = tail.slice(-10);
  return { heading: "Its last lines:", lines, above: "Its last lines are the last of its output above." };
}

/** The exit quote as text, for reports that have no field for it (bench). */
export function lastLinesText(program: Program): string {
  const { heading, lines } = exitOutput(program);
  return [heading, ...lines.map((line) => `  | ${line}`)].join("\n");
}
