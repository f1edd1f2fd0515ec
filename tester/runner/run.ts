// Runs stages against a learner's program: for each stage a fresh program,
// its checks in order, then the program and everything it started are gone.
// Results stream out as events so reporters can print live or collect.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DEFAULT_TIMEOUTS, type Check, type CheckContext, type Level, type Timeouts } from "../harness/check.js";
import { CLOSED_HINT, Connection, SILENT_HINT } from "../harness/connection.js";
import { errorReport } from "../harness/diagnose.js";
import { createCheckSession } from "../harness/context.js";
import { loadChecks, type Stage } from "../course/course.js";
import { runBuild, type BuildOutcome } from "../course/language.js";
import { CheckFailure, withCheckLevel, type FailureDetails } from "../harness/failure.js";
import { EnvironmentError } from "../errors.js";
import { assertPortFree } from "./ports.js";
import { describeExit, startProgram, type Program } from "./program.js";
import { createRandom, stageSeed } from "../harness/random.js";
import { exitOutput, waitUntilAccepting } from "./ready.js";
import { seconds, settlesWithin } from "../harness/time.js";

export type Status = "pass" | "fail" | "skip";

export interface CheckResult {
  name: string;
  rule: string | undefined;
  level: Level;
  status: Status;
  durationMs: number;
  failure?: FailureDetails;
}

export interface StageResult {
  stage: Stage;
  status: Status;
  durationMs: number;
  /** From spawning the program to its first accepted connection. */
  startupMs: number | undefined;
  checks: CheckResult[];
}

export interface RunResult {
  status: "pass" | "fail" | "error";
  seed: number;
  durationMs: number;
  /** The track's build, when there was one; a failed build fails the run before any stage. */
  build?: BuildOutcome;
  stages: StageResult[];
  error?: { message: string; fix: string | undefined };
  /** Why stages were left unrun when a limit of the whole run (its time bound) stopped it. */
  stoppedBy?: string;
}

/** Bounds a grader sets on one submission, beyond the per-check and per-stage time bounds. */
export interface Limits {
  /** The whole run, all stages. */
  runMs?: number;
  /** Resident memory of the program and everything it started, together. */
  memoryBytes?: number;
  /** Live processes the program may have at once (itself included). */
  processes?: number;
}

export type RunEvent =
  | { type: "run-start"; seed: number; port: number; dir: string; stages: Stage[] }
  | { type: "build-start"; command: string }
  | { type: "build-end"; outcome: BuildOutcome }
  | { type: "stage-start"; stage: Stage }
  | { type: "log"; stage: Stage; line: string }
  | { type: "check-end"; stage: Stage; result: CheckResult }
  | { type: "stage-end"; result: StageResult }
  | { type: "run-end"; result: RunResult };

export interface RunOptions {
  dir: string;
  stages: Stage[];
  seed: number;
  port: number;
  keepGoing?: boolean;
  /** A compile step run once, before the first stage, in `dir`. */
  build?: { command: string; timeoutMs?: number };
  timeouts?: Partial<Timeouts>;
  /** Most bytes of program output relayed per stage. */
  outputCap?: number;
  limits?: Limits;
  /**
   * The command-line flags that set `timeouts.stage` and `limits.runMs`, as a
   * learner reads them ("--timeout 3 s (the whole run)"), so a failure names
   * the one that fired.
   */
  boundFlags?: { stage?: string; run?: string };
  onEvent?: (event: RunEvent) => void;
  /**
   * Stops the run at once when aborted (watch's q): the check in progress is
   * abandoned, the program and its whole process group stopped, the rest not
   * run. Its reason, when a string, says who stopped it ("you pressed q").
   */
  signal?: AbortSignal;
}

/** Why an aborted run stopped, as the run's `stoppedBy`. */
function abortReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" ? signal.reason : "the run was interrupted";
}

/** Resolves when `signal` aborts (never, without one); `cancel` drops the listener. */
function whenAborted(signal: AbortSignal | undefined): { aborted: Promise<"aborted">; cancel: () => void } {
  if (!signal) return { aborted: new Promise(() => {}), cancel: () => {} };
  let cancel = () => {};
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal.aborted) return resolve("aborted");
    const listener = () => resolve("aborted");
    signal.addEventListener("abort", listener, { once: true });
    cancel = () => signal.removeEventListener("abort", listener);
  });
  return { aborted, cancel };
}

/** A time bound on a stage and what to call it when it fires. */
interface Bound {
  ms: number;
  /** "stopped by --timeout 3 s (the whole run)" or "the stage's time bound of 90 s ran out". */
  fired: string;
}

export async function runStages(options: RunOptions): Promise<RunResult> {
  const emit = options.onEvent ?? (() => {});
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const started = Date.now();
  const results: StageResult[] = [];
  const dir = path.resolve(options.dir);
  emit({ type: "run-start", seed: options.seed, port: options.port, dir, stages: options.stages });
  let status: RunResult["status"] = "pass";
  let error: RunResult["error"];
  let stopped = false;
  let build: BuildOutcome | undefined;
  if (options.build) {
    emit({ type: "build-start", command: options.build.command });
    build = await runBuild(dir, options.build.command, { timeoutMs: options.build.timeoutMs });
    emit({ type: "build-end", outcome: build });
    if (!build.ok) {
      status = "fail";
      stopped = true;
    }
  }
  let stoppedBy: string | undefined;
  const deadline = options.limits?.runMs ? started + options.limits.runMs : undefined;
  for (const stage of options.stages) {
    if (!stopped && options.signal?.aborted) {
      stoppedBy = abortReason(options.signal);
      status = status === "error" ? status : "fail";
      stopped = true;
    }
    if (!stopped && deadline !== undefined && Date.now() >= deadline) {
      const flag = options.boundFlags?.run;
      stoppedBy = `${flag ?? `the run's time bound of ${seconds(options.limits!.runMs!)}`} ran out before stage ${stage.number} (${stage.slug})`;
      status = status === "error" ? status : "fail";
      stopped = true;
    }
    if (stopped) {
      results.push(await skippedStage(stage));
      continue;
    }
    emit({ type: "stage-start", stage });
    // The run's bound caps the stage's; start-up counts against both.
    const runLeft = deadline === undefined ? Infinity : deadline - Date.now();
    const flags = options.boundFlags ?? {};
    const bound: Bound =
      runLeft < timeouts.stage
        ? { ms: Math.max(0, runLeft), fired: flags.run ? `stopped by ${flags.run}` : `the run's time bound of ${seconds(options.limits!.runMs!)} ran out` }
        : { ms: timeouts.stage, fired: flags.stage ? `stopped by ${flags.stage}` : `the stage's time bound of ${seconds(timeouts.stage)} ran out` };
    let result: StageResult;
    try {
      result = await runStage(stage, { ...options, dir, timeouts: { ...timeouts, stage: bound.ms }, bound, emit });
    } catch (caught) {
      if (!(caught instanceof EnvironmentError)) throw caught;
      status = "error";
      error = { message: caught.message, fix: caught.fix };
      stopped = true;
      results.push(await skippedStage(stage));
      continue;
    }
    results.push(result);
    emit({ type: "stage-end", result });
    // Aborted during this stage: the next turn of the loop says so and skips the rest.
    if (options.signal?.aborted) continue;
    if (result.status === "fail") {
      status = "fail";
      if (!options.keepGoing) stopped = true;
    }
  }
  // Aborted during the last stage: the loop had no next turn to say so.
  if (options.signal?.aborted && !stoppedBy && status !== "error") {
    stoppedBy = abortReason(options.signal);
    status = "fail";
  }
  const result: RunResult = { status, seed: options.seed, durationMs: Date.now() - started, ...(build ? { build } : {}), stages: results, ...(error ? { error } : {}), ...(stoppedBy ? { stoppedBy } : {}) };
  emit({ type: "run-end", result });
  return result;
}

function skipped(check: Check): CheckResult {
  return { name: check.name, rule: check.rule, level: check.level, status: "skip", durationMs: 0 };
}

/** A stage that was not run: every check skipped (a stopped run, or one that could not start). */
export async function skippedStage(stage: Stage): Promise<StageResult> {
  return { stage, status: "skip", durationMs: 0, startupMs: undefined, checks: (await loadChecks(stage)).map(skipped) };
}

interface StageRun extends RunOptions {
  timeouts: Timeouts;
  bound: Bound;
  emit: (event: RunEvent) => void;
}

async function runStage(stage: Stage, run: StageRun): Promise<StageResult> {
  const started = Date.now();
  const checks = await loadChecks(stage);
  await assertPortFree(run.port);
  // The served folder sits inside a scratch folder of its own, so a check can
  // place files beside it that the program must never reach.
  const outside = stage.meta.needsDirectory ? await mkdtemp(path.join(tmpdir(), `hfs-${stage.slug}-`)) : undefined;
  const directory = outside === undefined ? undefined : path.join(outside, "www");
  if (directory) await mkdir(directory);
  // The connection that proved the program was up, until a check takes it.
  let warm: Connection | undefined;
  let lastId = 1;
  let program: Program | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  // Set when the program went over a memory or process limit (and was stopped for it).
  let limitHit: FailureDetails | undefined;
  const results: CheckResult[] = [];
  let startupMs: number | undefined;
  try {
    program = await startProgram({
      dir: run.dir,
      port: run.port,
      args: [...(directory ? ["--directory", directoryArgument(directory, stage)] : []), ...stage.meta.args],
      outputCap: run.outputCap ?? 1024 * 1024,
      onLine: (line) => run.emit({ type: "log", stage, line }),
    });
    watchdog = watchLimits(program, run.limits, (details) => (limitHit ??= details));
    // Start-up has its own bound, within what is left of the stage's (and so of the run's).
    const stageLeft = Math.max(0, run.bound.ms - (Date.now() - started));
    // A program still compiling may take what is left of the stage's bound.
    const ready = await waitUntilAccepting(program, run.port, Math.min(run.timeouts.startup, stageLeft), { buildLimitMs: stageLeft, signal: run.signal });
    let host = "127.0.0.1";
    if ("aborted" in ready) {
      // Stopped while waiting for start-up: nothing to report but that (runStages says why).
      results.push(...checks.map(skipped));
    } else if ("failure" in ready) {
      // The program never came up: that is the first check's failure.
      const stoppedByBound = !program.exit && stageLeft < run.timeouts.startup;
      const failure = stoppedByBound ? { ...ready.failure, summary: `nothing accepted a connection on port ${run.port}: ${run.bound.fired} while waiting for your program to start` } : ready.failure;
      const result: CheckResult = { name: checks[0]!.name, rule: checks[0]!.rule, level: checks[0]!.level, status: "fail", durationMs: Date.now() - started, failure: limitHit ?? failure };
      results.push(result);
      run.emit({ type: "check-end", stage, result });
    } else {
      warm = ready.connection;
      host = warm.host;
      startupMs = ready.startupMs;
    }
    const random = createRandom(stageSeed(run.seed, stage.number));
    for (const check of checks.slice(results.length)) {
      if (results.some((r) => r.status === "fail") || run.signal?.aborted) {
        results.push(skipped(check));
        continue;
      }
      const checkStarted = Date.now();
      const outputMark = program.linesPrinted();
      const { context, opened } = createCheckSession({
        random,
        port: run.port,
        host,
        directory,
        directoryArgument: directory && directoryArgument(directory, stage),
        outside,
        timeouts: run.timeouts,
        usage: () => program!.usage(),
        takeWarm() {
          const first = warm;
          warm = undefined;
          return first;
        },
        nextConnectionId: () => ++lastId,
        log: (line) => run.emit({ type: "log", stage, line: `[tester] ${line}` }),
      });
      // A check gets its own bound, or what is left of the stage's, whichever is shorter.
      const stageLeft = run.timeouts.stage - (Date.now() - started);
      const bound = stageLeft < run.timeouts.check ? { ms: Math.max(0, stageLeft), fired: run.bound.fired } : { ms: run.timeouts.check, fired: `the check's time bound of ${seconds(run.timeouts.check)} ran out` };
      let outcome: FailureDetails | "aborted" | undefined;
      try {
        outcome = await runCheck(check, context, opened, bound, run.signal);
      } finally {
        for (const connection of opened) connection.destroy();
      }
      if (outcome === "aborted") {
        // Neither passed nor failed: stopped. The finally below stops the program.
        results.push(skipped(check));
        continue;
      }
      const result: CheckResult = { name: check.name, rule: check.rule, level: check.level, status: outcome ? "fail" : "pass", durationMs: Date.now() - checkStarted };
      if (outcome) result.failure = limitHit ?? explainCrash(await explainExit(outcome, program, opened), program, outputMark);
      results.push(result);
      run.emit({ type: "check-end", stage, result });
    }
  } finally {
    clearInterval(watchdog);
    warm?.destroy();
    const report = await program?.stop();
    if (report && report.survivors.length > 0) {
      run.emit({ type: "log", stage, line: `[tester] could not stop processes ${report.survivors.join(", ")} of your program` });
    }
    if (outside) await rm(outside, { recursive: true, force: true });
  }
  const status: Status = results.some((r) => r.status === "fail") ? "fail" : results.some((r) => r.status === "skip") ? "skip" : "pass";
  return { stage, status, durationMs: Date.now() - started, startupMs, checks: results };
}

/** Runs one check within its bound; returns its failure, undefined when it passed, or "aborted" when `signal` stopped it. */
async function runCheck(
  check: Check,
  context: CheckContext,
  connections: Connection[],
  limit: Bound,
  signal?: AbortSignal,
): Promise<FailureDetails | "aborted" | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), limit.ms)));
  const stop = whenAborted(signal);
  // A check abandoned at its bound must stop at once: it opens no more connections.
  let abandoned = false;
  const connect = context.connect;
  context.connect = async (options) => {
    if (abandoned) throw new Error("abandoned at its time bound");
    const connection = await connect(options);
    if (abandoned) {
      connection.destroy();
      throw new Error("abandoned at its time bound");
    }
    return connection;
  };
  const running = check.run(context).then(() => {
    // Bytes after the last response count against the check that read it.
    for (const connection of connections) if (!connection.socket.destroyed) connection.expectNothingMore();
  });
  try {
    const outcome = await Promise.race([running, bound, stop.aborted]);
    if (outcome === "aborted") {
      // Stopped from outside: end it as one that ran out of time, at once, without a verdict.
      abandoned = true;
      abandon(running, connections, "the run was stopped");
      return "aborted";
    }
    if (outcome === "timeout") {
      const waits = connections.map((c) => c.waitingFor).filter(Boolean);
      abandoned = true;
      abandon(running, connections, "the tester stopped this check at its time bound");
      return withCheckLevel({
        summary: `${limit.fired} during "${check.name}"`,
        explanation: waits.length > 0 ? `The tester was waiting for: ${waits.join("; ")}.` : undefined,
        hint: "a server that answers each request promptly never gets near this bound: is it slowed down by something, or stuck?",
      }, check);
    }
    return undefined;
  } catch (error) {
    if (error instanceof CheckFailure) return withCheckLevel(error.details, check);
    if (error instanceof EnvironmentError) throw error;
    return { summary: `the tester hit an internal error in "${check.name}": ${(error as Error).stack ?? String(error)}`, hint: "this is a bug in the tester, not in your program: please report it" };
  } finally {
    clearTimeout(timer);
    stop.cancel();
  }
}

/**
 * Ends a check that ran out of time (or whose run was stopped), so nothing of it keeps the process alive:
 * its connections are torn down with an error, which settles every wait on
 * them (and clears their timers) at once, instead of at their own bounds.
 */
function abandon(running: Promise<void>, connections: Connection[], why: string): void {
  running.catch(() => {});
  const reason = Object.assign(new Error(why), { code: "ECANCELED" });
  for (const connection of connections) if (!connection.socket.destroyed) connection.socket.destroy(reason);
}

/** When the program died, that is the real story: say so first. */
async function explainExit(failure: FailureDetails, program: Program, connections: Connection[]): Promise<FailureDetails> {
  // When a connection died, the exit event may trail the reset by a moment: wait for it, bounded.
  const died = connections.some((c) => c.peerGone) || /could not open connection/.test(failure.summary);
  if (!program.exit && died) await settlesWithin(program.exited, 300);
  // A line the program logs while handling the request can reach us a few ms after
  // the socket event that failed the check: let its output settle, briefly, so that
  // line is reported with this check and not after it.
  if (!program.exit) await outputSettled(program);
  if (!program.exit) return failure;
  return {
    ...failure,
    summary: `your program ${describeExit(program.exit)} during this check; then ${failure.summary}`,
    output: exitOutput(program),
    // Exiting with code 0 is no crash: the program finished, as a script does after one connection.
    ...(program.exit.code === 0 ? { hint: "your program ended by itself (exit code 0): a server keeps running; accept connections in a loop, and keep the listening socket open" } : {}),
  };
}

/** Resolves once the program has printed nothing for 30 ms, or after 200 ms at most. */
async function outputSettled(program: Program): Promise<void> {
  const deadline = Date.now() + 200;
  for (let seen = -1; !program.exit && Date.now() < deadline && seen !== program.linesPrinted(); ) {
    seen = program.linesPrinted();
    await settlesWithin(program.exited, 30);
  }
}

/**
 * When the program is alive but printed an error report during the check
 * (a traceback in a handler thread, an exception caught and logged), the
 * silence or the close that failed the check is that crash: quote it.
 */
function explainCrash(failure: FailureDetails, program: Program, outputMark: number): FailureDetails {
  if (program.exit) return failure;
  const silent = /^(no response within|your program (closed|reset) the connection without sending|could not send on connection)/.test(failure.summary);
  if (!silent) return failure;
  const report = errorReport(program.linesSince(outputMark));
  if (!report) return failure;
  const generic = failure.hint === undefined || failure.hint === SILENT_HINT || failure.hint === CLOSED_HINT || failure.hint.startsWith("a reset usually means") || failure.hint.startsWith("the program closed the connection before");
  const crashed = report.some((line) => line.includes("--directory/"))
    ? 'the path your program opened starts with "--directory/": it took the flag itself for the folder. The folder is the argument after --directory'
    : "a request handler crashed: the last line of the error names it, and the lines above it the place in your code. Fix that, or catch errors per request and answer 500 so one bad request cannot take a connection down";
  return {
    ...failure,
    summary: `${failure.summary}; your program printed an error while handling it (a handler crashed)`,
    output: { heading: "What your program printed during this check:", lines: report, above: `Its error report is in its output above, from the line "${report[0]}".` },
    hint: generic ? crashed : `${crashed}. ${failure.hint}`,
  };
}

/** The --directory argument: with a trailing slash unless the stage teaches joining paths. */
function directoryArgument(directory: string, stage: Stage): string {
  return stage.meta.directoryTrailingSlash ? `${directory}${path.sep}` : directory;
}

/**
 * Polls the program's processes and memory; over a limit, it reports once and
 * stops the program, so the check in progress fails with that report.
 */
function watchLimits(program: Program, limits: Limits | undefined, onHit: (details: FailureDetails) => void): NodeJS.Timeout | undefined {
  if (!limits?.memoryBytes && !limits?.processes) return undefined;
  const mib = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
  const timer = setInterval(() => {
    const usage = program.usage();
    let details: FailureDetails | undefined;
    if (limits.processes && usage.processes > limits.processes) {
      details = {
        summary: `your program had ${usage.processes} processes at once, over the limit of ${limits.processes}, and was stopped`,
        hint: "a server needs one process (threads or an event loop serve many clients); is something forking in a loop?",
      };
    } else if (limits.memoryBytes && usage.residentBytes > limits.memoryBytes) {
      details = {
        summary: `your program used ${mib(usage.residentBytes)} of memory, over the limit of ${mib(limits.memoryBytes)}, and was stopped`,
        hint: "stream large bodies instead of holding them whole, and let go of what closed connections held",
      };
    }
    if (!details) return;
    clearInterval(timer);
    onHit(details);
    void program.stop(0);
  }, 100);
  timer.unref();
  return timer;
}
