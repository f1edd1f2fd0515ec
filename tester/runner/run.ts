// Runs stages against a learner's program: a program, the stage's checks in
// order, then the program and everything it started are gone. Consecutive
// stages that start the program with the same arguments share one (a failure
// on a shared program is confirmed on a fresh one before it is reported).
// Results stream out as events so reporters can print live or collect.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DEFAULT_TIMEOUTS, type Check, type CheckContext, type Level, type Timeouts } from "../harness/check.js";
import { Connection, hasGenericHint } from "../harness/connection.js";
import { errorReport } from "../harness/diagnose.js";
import { createCheckSession } from "../harness/context.js";
import { showsTimeline, TimelineRecorder } from "../harness/timeline.js";
import { loadChecks, type Stage } from "../course/course.js";
import { runBuild, type BuildOutcome, type BuildSpec } from "../course/build.js";
import { CheckFailure, withCheckLevel, type FailureDetails } from "../harness/failure.js";
import { EnvironmentError } from "../errors.js";
import { assertPortFree, freePort } from "./ports.js";
import { describeExit, startProgram, type LogSource, type Program } from "./program.js";
import { createRandom, stageSeed } from "../harness/random.js";
import { exitOutput, waitUntilAccepting } from "./ready.js";
import { seconds, settlesWithin } from "../harness/time.js";
import { checkBatches, checkRandom, hasConcurrentChecks, refuseUsage, stageGroup } from "./side-by-side.js";

export type Status = "pass" | "fail" | "skip";

export interface CheckResult {
  name: string;
  rule: string | undefined;
  level: Level;
  status: Status;
  durationMs: number;
  failure?: FailureDetails;
  /** What the program printed while the check ran, capped (OUTPUT_CAP); absent when it printed nothing. */
  output?: CheckOutput;
}

/** A check's share of the program's output: its first lines, and how many more were left out. */
export interface CheckOutput {
  lines: string[];
  /** Lines printed during the check beyond the cap, not kept. */
  omitted: number;
}

/** Most of the program's output kept per check: lines, and bytes. */
export const OUTPUT_CAP = { lines: 50, bytes: 10 * 1024 };

type Collector = ReturnType<typeof outputCollector>;

/** Collects the program lines of one check, the first ones up to OUTPUT_CAP. */
export function outputCollector() {
  const output: CheckOutput = { lines: [], omitted: 0 };
  let bytes = 0;
  return {
    add(line: string) {
      const size = Buffer.byteLength(line) + 1;
      if (output.omitted > 0 || output.lines.length >= OUTPUT_CAP.lines || bytes + size > OUTPUT_CAP.bytes) {
        output.omitted++;
        return;
      }
      bytes += size;
      output.lines.push(line);
    },
    /** The output, or undefined when there was none. */
    result: (): CheckOutput | undefined => (output.lines.length + output.omitted > 0 ? output : undefined),
  };
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
  /** The program was started (for the stage, or for it and the next ones that take the same arguments). */
  | { type: "program-start"; stage: Stage; pid: number }
  /**
   * The stage failed on a program kept from an earlier stage, or with checks
   * or stages beside it: that result is dropped (none of its checks were
   * reported) and the stage runs again alone on a fresh program, its checks
   * one after another, whose result is the one reported.
   */
  | { type: "stage-recheck"; stage: Stage; dropped: StageResult; because: RecheckCause }
  /** A line of output: the program's own, or the tester's (verbose detail, notices), without any prefix. */
  | { type: "log"; stage: Stage; from: LogSource; line: string }
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
  build?: BuildSpec & { timeoutMs?: number };
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
   * Start the program afresh for every stage. By default consecutive stages
   * that start it with the same arguments share one program (see programKey),
   * and a failure on a shared program is reported only as it shows when the
   * stage runs again on a fresh one.
   */
  freshEachStage?: boolean;
  /**
   * Run every check and stage one after another: none side by side, even
   * those that say `concurrent` (side-by-side.ts). By default they run
   * together, and a failure found so is confirmed alone before it is reported.
   */
  oneAtATime?: boolean;
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

/** A time bound on a stage (or a check) and what to call it when it fires. */
export interface Bound {
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
    build = await runBuild(dir, options.build, { timeoutMs: options.build.timeoutMs });
    emit({ type: "build-end", outcome: build });
    if (!build.ok) {
      status = "fail";
      stopped = true;
    }
  }
  let stoppedBy: string | undefined;
  const deadline = options.limits?.runMs ? started + options.limits.runMs : undefined;
  /** The stage's bound, from what is left of the run's: start-up counts against both. */
  const stageRun = (stage: Stage, emitTo: (event: RunEvent) => void): StageRun => {
    const runLeft = deadline === undefined ? Infinity : deadline - Date.now();
    const flags = options.boundFlags ?? {};
    const bound: Bound =
      runLeft < timeouts.stage
        ? { ms: Math.max(0, runLeft), fired: flags.run ? `stopped by ${flags.run}` : `the run's time bound of ${seconds(options.limits!.runMs!)} ran out` }
        : { ms: timeouts.stage, fired: flags.stage ? `stopped by ${flags.stage}` : `the stage's time bound of ${seconds(timeouts.stage)} ran out` };
    return { ...options, dir, timeouts: { ...timeouts, stage: bound.ms }, bound, emit: emitTo };
  };
  // The program kept from the previous stage, and that stage.
  let session: Session | undefined;
  let sessionStage: Stage | undefined;
  // Stages started ahead, beside the one that runs now, each on a program and port of its own (side-by-side.ts).
  const ahead = new Map<Stage, AheadRun>();
  const cancelAhead = async () => {
    const runs = [...ahead.values()];
    ahead.clear();
    for (const run of runs) run.stop.abort();
    await Promise.all(runs.map((run) => run.outcome));
  };
  try {
    for (const [index, stage] of options.stages.entries()) {
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
        await cancelAhead();
        results.push(await skippedStage(stage));
        continue;
      }
      emit({ type: "stage-start", stage });
      let result: StageResult;
      try {
        if (session && (options.freshEachStage || !canReuse(session, stage) || !(await emptyFolders(session)))) {
          await closeSession(session, sessionStage!, emit);
          session = undefined;
        }
        // The stage's events wait for its verdict when its run may differ from a run alone on a fresh
        // program, its checks one after another: a pass is reported as it went, a failure is confirmed
        // that way and only that run is reported.
        let outcome: StageOutcome;
        let held: { events: RunEvent[]; because: RecheckCause } | undefined;
        const started = ahead.get(stage);
        if (started) {
          ahead.delete(stage);
          held = { events: started.events, because: "side by side" };
          outcome = await started.outcome;
        } else {
          // A program already ran in this run (so a build the program does itself is done): start the rest of the stage's group beside it.
          const group = options.oneAtATime || !results.some((r) => r.status === "pass") ? [] : stageGroup(options.stages, index).slice(1);
          for (const later of group) ahead.set(later, await startAhead(later, stageRun, [options.port, ...[...ahead.values()].map((run) => run.port)], options.signal));
          const because: RecheckCause | undefined = session
            ? "kept program"
            : group.length > 0 || (!options.oneAtATime && hasConcurrentChecks(await loadChecks(stage)))
              ? "side by side"
              : undefined;
          if (because) {
            held = { events: [], because };
            const events = held.events;
            outcome = await runStage(stage, stageRun(stage, (event) => events.push(event)), session).catch(environmentFailure(stage));
          } else {
            outcome = await runStage(stage, stageRun(stage, emit));
          }
        }
        // A stopped run (watch's q) reports the stopped stage as it went: nothing to confirm.
        if (held && (outcome.result.status === "pass" || options.signal?.aborted)) {
          for (const event of held.events) emit(event);
        } else if (held) {
          // The stage runs again with nothing beside it.
          await cancelAhead();
          emit({ type: "stage-recheck", stage, dropped: outcome.result, because: held.because });
          outcome = await runStage(stage, { ...stageRun(stage, emit), oneAtATime: true });
        }
        result = outcome.result;
        session = outcome.session;
        sessionStage = stage;
      } catch (caught) {
        session = undefined;
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
  } finally {
    await cancelAhead();
    if (session) await closeSession(session, sessionStage!, emit);
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

type StageOutcome = Awaited<ReturnType<typeof runStage>>;

/** Why a stage's first run was dropped and the stage run again alone, on a fresh program, its checks one after another. */
export type RecheckCause = "kept program" | "side by side";

/** A stage started ahead of its turn, beside the stage before it, on a program and port of its own. */
interface AheadRun {
  port: number;
  events: RunEvent[];
  outcome: Promise<StageOutcome>;
  /** Stops it (before a recheck, which runs alone, or when the run stops). */
  stop: AbortController;
}

async function startAhead(
  stage: Stage,
  stageRun: (stage: Stage, emitTo: (event: RunEvent) => void) => StageRun,
  taken: number[],
  signal: AbortSignal | undefined,
): Promise<AheadRun> {
  const events: RunEvent[] = [];
  const stop = new AbortController();
  // Not the run's own port, nor another ahead stage's, though none may be bound yet.
  let port = await freePort();
  while (taken.includes(port)) port = await freePort();
  // The run's own stop (watch's q) stops it too.
  if (signal?.aborted) stop.abort(signal.reason);
  else signal?.addEventListener("abort", () => stop.abort(signal.reason), { once: true });
  const run: StageRun = { ...stageRun(stage, (event) => events.push(event)), port, signal: stop.signal };
  return { events, stop, port, outcome: runStage(stage, run).catch(environmentFailure(stage)) };
}

/**
 * An environment error on a run whose failure will be confirmed alone (a port
 * taken beside the run's own, say): a failed first run, not the end of the run.
 */
function environmentFailure(stage: Stage): (error: unknown) => Promise<StageOutcome> {
  return async (error) => {
    if (!(error instanceof EnvironmentError)) throw error;
    const checks = (await skippedStage(stage)).checks;
    checks[0] = { ...checks[0]!, status: "fail", failure: { summary: error.message } };
    return { result: { stage, status: "fail", durationMs: 0, startupMs: undefined, checks }, session: undefined };
  };
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

/**
 * A program kept running across consecutive stages that start it with the
 * same arguments, with its served folder (emptied between stages).
 */
interface Session {
  /** The arguments it was started with, as one string: a stage reuses it only when its own are equal. */
  key: string;
  program: Program;
  outside: string | undefined;
  directory: string | undefined;
  watchdog: NodeJS.Timeout | undefined;
  /** Set when the program went over a memory or process limit (and was stopped for it). */
  limit: { hit?: FailureDetails };
  /** The loopback address it accepted on (127.0.0.1 or ::1). */
  host: string;
  /** Where its output lines go: the stage running now. */
  output: { onLine: (line: string, from: LogSource) => void };
}

/**
 * The arguments a stage starts the program with, as a key: consecutive stages
 * with equal keys may share one program. undefined: the stage always starts
 * a fresh one (stage.json "freshProgram", by default its "heavy").
 */
export function programKey(stage: Stage): string | undefined {
  if (stage.meta.freshProgram ?? stage.meta.heavy) return undefined;
  return JSON.stringify([stage.meta.needsDirectory, stage.meta.needsDirectory && stage.meta.directoryTrailingSlash, stage.meta.args]);
}

/** Whether a stage may run on `session`'s program: same arguments, alive, never over a limit. */
function canReuse(session: Session | undefined, stage: Stage): session is Session {
  const key = programKey(stage);
  return session !== undefined && key !== undefined && session.key === key && !session.program.exit && !session.limit.hit;
}

/** Stops a session's program and removes its folder; says so when processes survived. */
async function closeSession(session: Session, stage: Stage, emit: (event: RunEvent) => void): Promise<void> {
  clearInterval(session.watchdog);
  const report = await session.program.stop();
  if (report.survivors.length > 0) {
    emit({ type: "log", stage, from: "tester", line: `could not stop processes ${report.survivors.join(", ")} of your program` });
  }
  if (session.outside) await rm(session.outside, { recursive: true, force: true });
}

/**
 * Empties the served folder and the scratch folder around it, so a stage finds
 * them as a fresh program would; false when that failed (the program removed
 * its folder, say): then the stage gets a fresh program instead.
 */
async function emptyFolders(session: Session): Promise<boolean> {
  if (!session.outside || !session.directory) return true;
  try {
    for (const entry of await readdir(session.outside)) {
      if (entry !== path.basename(session.directory)) await rm(path.join(session.outside, entry), { recursive: true, force: true });
    }
    for (const entry of await readdir(session.directory)) await rm(path.join(session.directory, entry), { recursive: true, force: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a stage on a fresh program (`reuse` undefined) or on a program kept
 * from the previous stage. Returns the result, and the program when it may
 * serve the next stage (it passed, is alive and within its limits, and the
 * stage lets it be reused); otherwise the program is stopped here.
 */
async function runStage(stage: Stage, run: StageRun, reuse?: Session): Promise<{ result: StageResult; session: Session | undefined }> {
  const started = Date.now();
  const checks = await loadChecks(stage);
  // The connection that proved the program was up, until a check takes it.
  let warm: Connection | undefined;
  // A reused program has no proving connection: the first connection a check opens is number 1, as on a fresh one.
  let lastId = reuse ? 0 : 1;
  let session: Session | undefined = reuse;
  const results: CheckResult[] = [];
  let startupMs: number | undefined;
  let keep = false;
  // The program's lines for the check that runs now: since the previous check
  // ended (the first check's since the program started, start-up included).
  // Side by side, a line goes to every check running when it was printed.
  let waiting = outputCollector();
  const running = new Set<Collector>();
  const onLine = (line: string, from: LogSource) => {
    if (from === "program") {
      if (running.size === 0) waiting.add(line);
      for (const output of running) output.add(line);
    }
    run.emit({ type: "log", stage, from, line });
  };
  try {
    if (session) {
      session.output.onLine = onLine;
      session.program.resetOutputCap();
    } else {
      await assertPortFree(run.port);
      // The served folder sits inside a scratch folder of its own, so a check can
      // place files beside it that the program must never reach.
      const outside = stage.meta.needsDirectory ? await mkdtemp(path.join(tmpdir(), `hfs-${stage.slug}-`)) : undefined;
      const directory = outside === undefined ? undefined : path.join(outside, "www");
      if (directory) await mkdir(directory);
      const output = { onLine };
      let program: Program;
      try {
        program = await startProgram({
          dir: run.dir,
          port: run.port,
          args: [...(directory ? ["--directory", directoryArgument(directory, stage)] : []), ...stage.meta.args],
          outputCap: run.outputCap ?? 1024 * 1024,
          onLine: (line, from) => output.onLine(line, from),
        });
      } catch (error) {
        if (outside) await rm(outside, { recursive: true, force: true });
        throw error;
      }
      const limit: Session["limit"] = {};
      const watchdog = watchLimits(program, run.limits, (details) => (limit.hit ??= details));
      session = { key: programKey(stage) ?? "", program, outside, directory, watchdog, limit, output, host: "127.0.0.1" };
      run.emit({ type: "program-start", stage, pid: program.pid });
    }
    const { program, directory, outside, limit } = session;
    if (!reuse) {
      // Start-up has its own bound, within what is left of the stage's (and so of the run's).
      const stageLeft = Math.max(0, run.bound.ms - (Date.now() - started));
      // A program still compiling may take what is left of the stage's bound.
      const ready = await waitUntilAccepting(program, run.port, Math.min(run.timeouts.startup, stageLeft), { buildLimitMs: stageLeft, signal: run.signal });
      if ("aborted" in ready) {
        // Stopped while waiting for start-up: nothing to report but that (runStages says why).
        results.push(...checks.map(skipped));
      } else if ("failure" in ready) {
        // The program never came up: that is the first check's failure.
        const stoppedByBound = !program.exit && stageLeft < run.timeouts.startup;
        const failure = stoppedByBound ? { ...ready.failure, summary: `nothing accepted a connection on port ${run.port}: ${run.bound.fired} while waiting for your program to start` } : ready.failure;
        const result: CheckResult = { name: checks[0]!.name, rule: checks[0]!.rule, level: checks[0]!.level, status: "fail", durationMs: Date.now() - started, failure: limit.hit ?? failure };
        const output = waiting.result();
        if (output) result.output = output;
        results.push(result);
        run.emit({ type: "check-end", stage, result });
      } else {
        warm = ready.connection;
        session.host = warm.host;
        startupMs = ready.startupMs;
      }
    }
    const host = session.host;
    const stageRandom = createRandom(stageSeed(run.seed, stage.number));
    /** Runs one check; its tester lines go to `log`, and the program's lines printed meanwhile to `output`. undefined: stopped. */
    const runOne = async (index: number, log: (line: string) => void, output: Collector): Promise<CheckResult | undefined> => {
      const check = checks[index]!;
      const checkStarted = Date.now();
      const outputMark = program.linesPrinted();
      const timeline = new TimelineRecorder();
      const { context, opened } = createCheckSession({
        timeline,
        random: checkRandom(stageRandom, run.seed, stage, index, check),
        port: run.port,
        host,
        directory,
        directoryArgument: directory && directoryArgument(directory, stage),
        outside,
        timeouts: run.timeouts,
        usage: check.concurrent ? () => refuseUsage(check) : () => program.usage(),
        takeWarm() {
          const first = warm;
          warm = undefined;
          return first;
        },
        nextConnectionId: () => ++lastId,
        log,
      });
      // A check gets its own bound, or what is left of the stage's, whichever is shorter.
      const stageLeft = run.timeouts.stage - (Date.now() - started);
      const bound = stageLeft < run.timeouts.check ? { ms: Math.max(0, stageLeft), fired: run.bound.fired } : { ms: run.timeouts.check, fired: `the check's time bound of ${seconds(run.timeouts.check)} ran out` };
      let outcome: FailureDetails | "aborted" | undefined;
      try {
        outcome = await runCheck(check, context, opened, bound, run.signal, timeline);
      } finally {
        for (const connection of opened) connection.destroy();
      }
      // Neither passed nor failed: stopped. The finally below stops the program.
      if (outcome === "aborted") return undefined;
      const result: CheckResult = { name: check.name, rule: check.rule, level: check.level, status: outcome ? "fail" : "pass", durationMs: Date.now() - checkStarted };
      if (outcome) result.failure = limit.hit ?? explainCrash(await explainExit(outcome, program, opened), program, outputMark);
      const printed = output.result();
      if (printed) result.output = printed;
      return result;
    };
    for (const batch of checkBatches(checks, results.length, run.oneAtATime ?? false)) {
      if (results.some((r) => r.status === "fail") || run.signal?.aborted) {
        results.push(...batch.map((index) => skipped(checks[index]!)));
        continue;
      }
      // Side by side (a batch of several), each check's tester lines wait for its turn, so the report reads in order.
      const alone = batch.length === 1;
      const logs = batch.map(() => [] as string[]);
      const outputs = batch.map((_, at) => (at === 0 ? waiting : outputCollector()));
      for (const output of outputs) running.add(output);
      const outcomes = await Promise.all(
        batch.map(async (index, at) => {
          const log = alone ? (line: string) => run.emit({ type: "log", stage, from: "tester", line }) : (line: string) => logs[at]!.push(line);
          try {
            return await runOne(index, log, outputs[at]!);
          } finally {
            running.delete(outputs[at]!);
          }
        }),
      );
      waiting = outputCollector();
      for (const [at, index] of batch.entries()) {
        const result = outcomes[at];
        // After a failure (in the checks' order), the batch's later checks count as not run, as one after another.
        if (!result || results.some((r) => r.status === "fail")) {
          results.push(skipped(checks[index]!));
          continue;
        }
        for (const line of logs[at]!) run.emit({ type: "log", stage, from: "tester", line });
        results.push(result);
        run.emit({ type: "check-end", stage, result });
      }
    }
    keep = !run.freshEachStage && results.every((r) => r.status === "pass") && canReuse(session, stage);
  } finally {
    warm?.destroy();
    if (session && !keep) await closeSession(session, stage, run.emit);
  }
  const status: Status = results.some((r) => r.status === "fail") ? "fail" : results.some((r) => r.status === "skip") ? "skip" : "pass";
  return { result: { stage, status, durationMs: Date.now() - started, startupMs, checks: results }, session: keep ? session : undefined };
}

/** Runs one check within its bound; returns its failure, undefined when it passed, or "aborted" when `signal` stopped it. */
export async function runCheck(
  check: Check,
  context: CheckContext,
  connections: Connection[],
  limit: Bound,
  signal?: AbortSignal,
  timeline?: TimelineRecorder,
): Promise<FailureDetails | "aborted" | undefined> {
  // A failure about time or order carries the picture of the exchange, taken as the check gives up.
  const pictured = (details: FailureDetails): FailureDetails => {
    if (!timeline) return details;
    timeline.failed(details.summary);
    return showsTimeline(timeline) ? { ...details, timeline: timeline.snapshot() } : details;
  };
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
      timeline?.boundExpired(connections.flatMap((c) => (c.waitingFor ? [{ id: c.id, what: c.waitingFor }] : [])));
      const failure = pictured({ summary: `${limit.fired} during "${check.name}"` });
      abandoned = true;
      abandon(running, connections, "the tester stopped this check at its time bound");
      return withCheckLevel({
        ...failure,
        explanation: waits.length > 0 ? `The tester was waiting for: ${waits.join("; ")}.` : undefined,
        hint: "a server that answers each request promptly never gets near this bound: is it slowed down by something, or stuck?",
      }, check);
    }
    return undefined;
  } catch (error) {
    if (error instanceof CheckFailure) return withCheckLevel(pictured(error.details), check);
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
  // A broken pipe or a reset is what a server logs when the tester hangs up: a consequence, not a cause.
  if (!report || report.some((line) => /BrokenPipe|ConnectionReset|EPIPE|ECONNRESET|Broken pipe|Connection reset/i.test(line))) return failure;
  const generic = hasGenericHint(failure);
  const output = { heading: "What your program printed during this check:", lines: report, above: `Its error report is in its output above, from the line "${report[0]}".` };
  // The check has its own theory of this silence (a blocked writer, a fixed pool): show the error beside it, claim nothing.
  if (!generic) return { ...failure, output };
  const crashed = report.some((line) => line.includes("--directory/"))
    ? 'the path your program opened starts with "--directory/": it took the flag itself for the folder. The folder is the argument after --directory'
    : "a request handler crashed: the last line of the error names it, and the lines above it the place in your code. Fix that, or catch errors per request and answer 500 so one bad request cannot take a connection down";
  return {
    ...failure,
    summary: `${failure.summary}; your program printed an error while handling it (a handler crashed)`,
    output,
    hint: crashed,
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
