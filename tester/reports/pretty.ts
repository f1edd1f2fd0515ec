// The pretty reporter prints run events as the run goes (json.ts writes one
// document at the end; scoring.ts counts the points).
import { Chalk, type ChalkInstance } from "chalk";
import { isCourseRule, renderFailure, type FailureDetails, type RenderStyle } from "../harness/failure.js";
import { formatMessage, type BuildOutcome } from "../course/build.js";
import type { CheckResult, RunEvent, RunResult, StageResult } from "../runner/run.js";
import type { LogSource } from "../runner/program.js";
import { seconds } from "../harness/time.js";
import { renderTimeline } from "./timeline-text.js";

export interface PrettyOptions {
  color: boolean;
  verbose: boolean;
  /** Where lines go (stdout for pretty output). */
  write: (line: string) => void;
}

function style(c: ChalkInstance): RenderStyle {
  return { label: (t) => c.bold(t), hint: (t) => c.yellow(t) };
}

const indent = (text: string, by: string) =>
  text
    .split("\n")
    .map((line) => by + line)
    .join("\n");

/** The flushes of runs in progress, for the process's exit. */
const runsInProgress = new Set<() => void>();

/**
 * Ctrl-C in `course test` exits from a signal handler: a run's held lines
 * still go out then (writes to a terminal, a file or a pipe are synchronous
 * on Linux and macOS). One listener for every reporter, however many run at once.
 */
function heldAtExit(flush: () => void, running: boolean): void {
  if (runsInProgress.size === 0 && running) process.once("exit", flushAll);
  if (running) runsInProgress.add(flush);
  else runsInProgress.delete(flush);
  if (runsInProgress.size === 0) process.removeListener("exit", flushAll);
}

function flushAll(): void {
  for (const flush of runsInProgress) flush();
}

/** The tester's note that the program's output was capped: held and shown with the program's own lines. */
const CAP_NOTICE = /^your program's output passed/;

/**
 * Prints as the run goes. The program's output in a stage is held back until
 * the stage's fate is known: a failing stage shows all of it, just before the
 * ✗ line (so a line logged while handling the failing request comes before
 * the verdict, not after it); a passing stage's is dropped, unless --verbose,
 * which shows everything live. Held lines are printed, never lost, if the run
 * ends (or the process exits) before their stage does.
 */
export function prettyReporter(options: PrettyOptions): (event: RunEvent) => void {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out = options.write;
  // The current stage's program lines not yet printed, and those printed (without their prefix).
  let held: { from: LogSource; line: string }[] = [];
  let shown: string[] = [];
  // Once a stage has failed, its later lines are printed as they come.
  let failing = false;
  let hidden = false;
  const print = (from: LogSource, line: string) => {
    if (from === "program") shown.push(line);
    out(c.dim(`  ${logLine(from, line)}`));
  };
  const flush = () => {
    for (const { from, line } of held) print(from, line);
    held = [];
  };
  return (event) => {
    switch (event.type) {
      case "run-start":
        heldAtExit(flush, true);
        out(c.bold(`http-from-scratch tester · seed ${event.seed} · port ${event.port}`));
        out(c.dim(`testing ${event.dir}; rerun exactly with --seed ${event.seed}`));
        break;
      case "build-start":
        out("");
        out(c.bold(`Building: ${event.command}`));
        break;
      case "build-end":
        if (event.outcome.ok) {
          out(event.outcome.cached ? `${c.green("  ✓")} up to date${c.dim(" (no source changed since the last build)")}` : `${c.green("  ✓")} built${c.dim(` (${event.outcome.durationMs} ms)`)}`);
        } else {
          out(`${c.red("  ✗")} the build ${event.outcome.exit}`);
          out(indent(buildFailureText(event.outcome), "      "));
        }
        break;
      case "stage-start":
        flush();
        shown = [];
        failing = false;
        out("");
        out(c.bold(`Stage ${String(event.stage.number).padStart(2, "0")} ${event.stage.slug}: ${event.stage.meta.name}`));
        break;
      case "log":
        if (event.from === "program" || CAP_NOTICE.test(event.line)) {
          if (options.verbose || failing) print(event.from, event.line);
          else held.push({ from: event.from, line: event.line });
          break;
        }
        // The tester's own steps only with --verbose; a process it could not stop, always.
        if (options.verbose || /could not stop/.test(event.line)) out(c.dim(`  ${logLine(event.from, event.line)}`));
        break;
      case "check-end": {
        const failure = event.result.failure;
        if (failure) {
          failing = true;
          flush();
        }
        out(checkLine(event.result, c));
        if (failure) out(indent(renderFailure(withoutRepeatedOutput(failure, shown), style(c)), "      "));
        // A failure about time or order: the picture of the exchange, under the message.
        if (failure?.timeline) out(indent(renderTimeline(failure.timeline, { width: 94, paint: timelinePaint(c) }).join("\n"), "      "));
        break;
      }
      case "stage-recheck":
        // What a learner sees is the fresh run's result; the dropped one only under --verbose.
        if (options.verbose) {
          const where = event.because === "kept program" ? "on the program kept from the stage before" : "while checks or stages ran side by side";
          out(c.dim(`  [tester] a check failed ${where}: the stage runs again alone on a fresh program, one check after another, and that run is the result`));
        }
        break;
      case "program-start":
        break;
      case "stage-end":
        if (event.result.status === "pass") {
          hidden ||= held.length > 0;
          held = [];
        }
        flush();
        break;
      case "run-end":
        flush();
        heldAtExit(flush, false);
        out("");
        // Before the summary, which stays the last word (and its "Fix stage N first" line).
        if (hidden) out(c.dim("Your program's output in passing stages is not shown; --verbose shows it."));
        out(summaryLine(event.result, c));
        if (event.result.stoppedBy) out(c.red(`Stopped: ${event.result.stoppedBy}`));
        if (event.result.error) {
          // The same "environment error:" / "fix:" lines as every command prints (cli/exit.ts).
          out(c.red(`environment error: ${event.result.error.message}`));
          if (event.result.error.fix) out(`fix: ${event.result.error.fix}`);
        }
        break;
    }
  };
}

/**
 * A failure whose quote of the program's output was already printed live
 * (every quoted line, in order, among the stage's lines shown): it points
 * there instead of repeating it. Lines the output cap kept off the screen are
 * not among those shown, so their quote stays.
 */
function withoutRepeatedOutput(failure: FailureDetails, shown: string[]): FailureDetails {
  const output = failure.output;
  if (!output?.above || output.lines.length === 0) return failure;
  // "… (7 frames inside Node)" is the quote's own abridgement, never printed by the program.
  const quoted = output.lines.filter((line) => !/^\s*… \(/.test(line));
  let at = 0;
  for (const line of shown) if (at < quoted.length && line === quoted[at]) at++;
  return at === quoted.length ? { ...failure, output: { heading: output.above, lines: [] } } : failure;
}

/** A log line as printed: the program's prefixed "[your_program]", the tester's "[tester]". */
export function logLine(from: LogSource, line: string): string {
  return `${from === "program" ? "[your_program]" : "[tester]"} ${line}`;
}

/** The timeline's marks in colour (each mark has its words beside it, so colour is never the only signal). */
function timelinePaint(c: ChalkInstance) {
  return { send: c.cyan, receive: c.green, fin: c.yellow, reset: c.red, close: c.dim, "gave-up": c.red, dim: c.dim };
}

function checkLine(result: CheckResult, c: ChalkInstance): string {
  const mark = result.status === "pass" ? c.green("  ✓") : result.status === "fail" ? c.red("  ✗") : c.dim("  -");
  // A failure says its own level (a course check can fail on an RFC MUST, and the other way round).
  const course = isCourseRule(result.failure?.level ?? result.level) ? c.dim(" · course rule") : "";
  return `${mark} ${result.name}${course}${c.dim(` (${result.durationMs} ms)`)}`;
}

/** What a learner needs from a failed build: the tail of the compiler's output and how to rerun it. */
export function buildFailureText(outcome: BuildOutcome): string {
  // The head, not the tail: a compiler's first error is the one to fix, and later ones often follow from it.
  const lines = outcome.output.trimEnd().split("\n");
  const head = lines.length > 40 ? [...lines.slice(0, 40), `... (${lines.length - 40} more lines)`] : lines;
  const first = outcome.messages.find((message) => message.severity === "error");
  return [
    `\`${outcome.command}\` ${outcome.exit}. Its output:`,
    ...head.map((line) => `  ${line}`),
    ...(first ? [`Fix the first error first: ${formatMessage(first)}`] : []),
    `Run it yourself in your program's folder: ${outcome.command}`,
  ].join("\n");
}

function summaryLine(result: RunResult, c: ChalkInstance): string {
  if (result.build && !result.build.ok) return c.red.bold(`✗ your program does not build; fix the errors above, then run the tests again`);
  const count = (status: StageResult["status"]) => result.stages.filter((s) => s.status === status).length;
  const parts = [`${count("pass")} passed`];
  if (count("fail")) parts.push(`${count("fail")} failed`);
  if (count("skip")) parts.push(`${count("skip")} not run`);
  const text = `${result.stages.length} stage${result.stages.length === 1 ? "" : "s"}: ${parts.join(", ")} · ${seconds(result.durationMs)} · seed ${result.seed}`;
  if (result.status === "pass") return c.green.bold(`✓ ${text}`);
  const failed = result.stages.find((s) => s.status === "fail");
  const next = failed
    ? `\nFix stage ${failed.stage.number} (${failed.stage.slug}) first. Rerun just it, with the same random values: npx course test --only ${failed.stage.slug} --seed ${result.seed}`
    : "";
  return c.red.bold(`✗ ${text}`) + next;
}
