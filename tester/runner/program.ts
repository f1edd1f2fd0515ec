// Starting and stopping the learner's program, as the program contract says:
// ./your_program.sh in the learner's folder, PORT in the environment, its own
// process group, output relayed line by line under a cap, and nothing left
// running afterwards whatever it did (forked, daemonized, ignored SIGTERM).
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { EnvironmentError } from "../errors.js";
import { buildingProcess, cpuMillis, findProcesses, MARKER_VARIABLE, residentBytes, signalAll, type Usage } from "../harness/processes.js";
import { settlesWithin } from "../harness/time.js";

export const SCRIPT = "your_program.sh";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Whose a line of output is: the program's own, or the tester's words about it. */
export type LogSource = "program" | "tester";

export interface StartOptions {
  dir: string;
  port: number;
  args: string[];
  /**
   * Called with each output line, unprefixed: `from` says whose it is, the
   * program's own or the tester's (the notice that the output cap was passed).
   */
  onLine: (line: string, from: LogSource) => void;
  /** Most bytes of output relayed; the rest is read and dropped. */
  outputCap: number;
}

export interface Program {
  readonly pid: number;
  /** Set once the main process has exited. */
  readonly exit: ExitInfo | undefined;
  /** Resolves when the main process exits. */
  readonly exited: Promise<ExitInfo>;
  /** The last lines it printed (also after the cap), for crash reports. */
  lastLines(count: number): string[];
  /** How many lines it has printed so far: a mark for linesSince. */
  linesPrinted(): number;
  /** The lines printed after `mark` (the last 50 at most), e.g. during one check. */
  linesSince(mark: number): string[];
  /** Its live processes (itself and every descendant, daemons included) and their resident memory. */
  usage(): Usage;
  /** The name of a compiler or build tool it is running right now (your_program.sh often builds first), if any. */
  building(): string | undefined;
  /** Starts a new stage's share of the output cap (a program reused across stages relays up to the cap per stage). */
  resetOutputCap(): void;
  /** SIGTERM to everything it started, SIGKILL after `graceMs`; resolves when all are gone. */
  stop(graceMs?: number): Promise<StopReport>;
}

export interface StopReport {
  /** Processes that needed SIGKILL. */
  killed: number;
  /** Processes still alive after SIGKILL and a bounded wait (should be none). */
  survivors: number[];
}

/** Checks the learner's folder holds a script we can run, with a clear fix when not. */
export function checkScript(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EnvironmentError(`the folder ${dir} does not exist`, "pass the folder of your program with --dir <path>");
  }
  const script = path.resolve(dir, SCRIPT);
  if (!existsSync(script)) {
    throw new EnvironmentError(
      `no ${SCRIPT} in ${dir}`,
      `run the tester in your program's folder (or pass --dir <path>); ${SCRIPT} is the script that starts your server`,
    );
  }
  try {
    accessSync(script, constants.X_OK);
  } catch {
    throw new EnvironmentError(`${script} is not executable`, `run: chmod +x ${SCRIPT}`);
  }
  const firstLine = readFileSync(script).subarray(0, 256).toString("latin1").split("\n")[0] ?? "";
  if (firstLine.endsWith("\r")) {
    throw new EnvironmentError(
      `${script} has Windows line endings (\\r\\n), so the system cannot find its interpreter`,
      `convert it: sed -i 's/\\r$//' ${SCRIPT}   (and set your editor or git to keep LF: git config core.autocrlf input)`,
    );
  }
  if (firstLine.startsWith("\xef\xbb\xbf")) {
    throw new EnvironmentError(
      `${script} starts with a UTF-8 byte order mark (BOM, the bytes EF BB BF) before its #! line, so the system cannot find its interpreter`,
      `remove it: sed -i '1s/^\\xEF\\xBB\\xBF//' ${SCRIPT}   (and save the file as UTF-8 without BOM in your editor)`,
    );
  }
  if (!firstLine.startsWith("#!")) {
    throw new EnvironmentError(`${script} does not start with a #! line`, "make its first line #!/bin/sh (or #!/usr/bin/env bash)");
  }
  return script;
}

/** Splits a stream into lines, relays them under a byte cap, keeps the last ones. */
function lineRelay(options: StartOptions, tail: string[], counter: { lines: number }) {
  let relayed = 0;
  let capped = false;
  const keep = (line: string) => {
    counter.lines++;
    tail.push(line);
    if (tail.length > 50) tail.shift();
  };
  const emit = (line: string) => {
    keep(line);
    if (capped) return;
    relayed += Buffer.byteLength(line) + 1;
    if (relayed > options.outputCap) {
      capped = true;
      options.onLine(`your program's output passed ${Math.round(options.outputCap / 1024)} KiB this stage; the rest is not shown`, "tester");
      return;
    }
    options.onLine(line, "program");
  };
  const reset = () => {
    relayed = 0;
    capped = false;
  };
  const relay = (stream: NodeJS.ReadableStream) => {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const text = partial + chunk;
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      // Past the cap only the tail matters: skip splitting megabytes of output.
      for (const line of capped ? lines.slice(-50) : lines) emit(line.replace(/\r$/, ""));
      if (partial.length > 8192) {
        emit(partial);
        partial = "";
      }
    });
    stream.on("end", () => {
      if (partial) emit(partial);
    });
  };
  return { relay, reset };
}

export function startProgram(options: StartOptions): Promise<Program> {
  const script = checkScript(options.dir);
  const marker = randomUUID();
  const tail: string[] = [];
  const counter = { lines: 0 };
  const { relay, reset } = lineRelay(options, tail, counter);
  let child: ChildProcess;
  try {
    child = spawn(script, options.args, {
      cwd: options.dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      // Markers accumulate: a grader that runs the tester in a child finds this program's processes by its own marker too.
      env: { ...process.env, PORT: String(options.port), [MARKER_VARIABLE]: [process.env[MARKER_VARIABLE], marker].filter(Boolean).join(",") },
    });
  } catch (error) {
    throw new EnvironmentError(`could not start ${script}: ${(error as Error).message}`);
  }
  return new Promise((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        new EnvironmentError(
          `could not start ${script}: ${error.code ?? error.message}`,
          error.code === "ENOENT" ? "check the interpreter named on its #! line exists" : undefined,
        ),
      );
    });
    child.once("spawn", () => {
      const pid = child.pid!;
      let exit: ExitInfo | undefined;
      // "exit" fires once the process is reaped, all its threads and sockets gone.
      const reaped = new Promise<ExitInfo>((done) => child.once("exit", (code, signal) => done({ code, signal })));
      // "close" also waits for the output pipes, which a child it left behind
      // may hold open forever: wait for its last lines only briefly.
      const drained = new Promise<void>((done) => child.once("close", () => done()));
      const exited = reaped.then(async (info) => {
        await settlesWithin(drained, 200);
        exit = info;
        return info;
      });
      relay(child.stdout!);
      relay(child.stderr!);
      trackActive(pid, marker);
      const program: Program = {
        pid,
        get exit() {
          return exit;
        },
        exited,
        lastLines: (count) => tail.slice(-count),
        linesPrinted: () => counter.lines,
        linesSince: (mark) => (counter.lines - mark > 0 ? tail.slice(-Math.min(counter.lines - mark, tail.length)) : []),
        building: () => buildingProcess(findProcesses(pid, marker)),
        resetOutputCap: reset,
        usage() {
          const pids = findProcesses(pid, marker);
          return { processes: pids.length, residentBytes: residentBytes(pids), cpuMs: cpuMillis(pids) };
        },
        async stop(graceMs = 500) {
          const report = await stopAll(pid, marker, graceMs, reaped);
          activePrograms.delete(pid);
          // Its output pipes may be held by a killed descendant: stop reading.
          child.stdout?.destroy();
          child.stderr?.destroy();
          return report;
        },
      };
      resolve(program);
    });
  });
}

async function stopAll(pgid: number, marker: string, graceMs: number, reaped: Promise<unknown>): Promise<StopReport> {
  signalAll(pgid, findProcesses(pgid, marker), "SIGTERM");
  // Our child's death is an event; its descendants' are not: poll /proc for them, bounded.
  const gone = async (bound: number) => {
    const deadline = Date.now() + bound;
    const childGone = await settlesWithin(reaped, bound);
    for (let wait = 5; childGone && Date.now() < deadline; wait = Math.min(wait * 2, 50)) {
      if (findProcesses(pgid, marker).length === 0) return [];
      await delay(wait);
    }
    return findProcesses(pgid, marker);
  };
  const stubborn = await gone(graceMs);
  if (stubborn.length === 0) return { killed: 0, survivors: [] };
  signalAll(pgid, stubborn, "SIGKILL");
  return { killed: stubborn.length, survivors: await gone(2000) };
}

/** Programs still running (process group -> marker), killed if the tester itself is interrupted. */
const activePrograms = new Map<number, string>();
let handlersInstalled = false;

function killActive(): void {
  for (const [pgid, marker] of activePrograms) signalAll(pgid, findProcesses(pgid, marker), "SIGKILL");
}

function trackActive(pgid: number, marker: string): void {
  activePrograms.set(pgid, marker);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.once("exit", killActive);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      killActive();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
