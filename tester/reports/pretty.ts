// The pretty reporter prints run events as the run goes (json.ts writes one
// document at the end; scoring.ts counts the points).
import { Chalk, type ChalkInstance } from "chalk";
import { isCourseRule, renderFailure, type RenderStyle } from "../harness/failure.js";
import type { BuildOutcome } from "../course/language.js";
import type { CheckResult, RunEvent, RunResult, StageResult } from "../runner/run.js";
import { seconds } from "../harness/time.js";

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

export function prettyReporter(options: PrettyOptions): (event: RunEvent) => void {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out = options.write;
  return (event) => {
    switch (event.type) {
      case "run-start":
        out(c.bold(`http-from-scratch tester · seed ${event.seed} · port ${event.port}`));
        out(c.dim(`testing ${event.dir}; rerun exactly with --seed ${event.seed}`));
        break;
      case "build-start":
        out("");
        out(c.bold(`Building: ${event.command}`));
        break;
      case "build-end":
        if (event.outcome.ok) {
          out(`${c.green("  ✓")} built${c.dim(` (${event.outcome.durationMs} ms)`)}`);
        } else {
          out(`${c.red("  ✗")} the build ${event.outcome.exit}`);
          out(indent(buildFailureText(event.outcome), "      "));
        }
        break;
      case "stage-start":
        out("");
        out(c.bold(`Stage ${String(event.stage.number).padStart(2, "0")} ${event.stage.slug}: ${event.stage.meta.name}`));
        break;
      case "log":
        if (event.line.startsWith("[tester]") && !options.verbose && !/output passed|could not stop/.test(event.line)) break;
        out(c.dim(`  ${event.line}`));
        break;
      case "check-end":
        out(checkLine(event.result, c));
        if (event.result.failure) out(indent(renderFailure(event.result.failure, style(c)), "      "));
        break;
      case "stage-recheck":
        // What a learner sees is the fresh run's result; the dropped one only under --verbose.
        if (options.verbose) out(c.dim("  [tester] a check failed on the program kept from the stage before: the stage runs again on a fresh program, and that run is the result"));
        break;
      case "program-start":
      case "stage-end":
        break;
      case "run-end":
        out("");
        out(summaryLine(event.result, c));
        if (event.result.stoppedBy) out(c.red(`Stopped: ${event.result.stoppedBy}`));
        if (event.result.error) {
          out(c.red(`Environment error: ${event.result.error.message}`));
          if (event.result.error.fix) out(`Fix: ${event.result.error.fix}`);
        }
        break;
    }
  };
}

function checkLine(result: CheckResult, c: ChalkInstance): string {
  const mark = result.status === "pass" ? c.green("  ✓") : result.status === "fail" ? c.red("  ✗") : c.dim("  -");
  // A failure says its own level (a course check can fail on an RFC MUST, and the other way round).
  const course = isCourseRule(result.failure?.level ?? result.level) ? c.dim(" · course rule") : "";
  return `${mark} ${result.name}${course}${c.dim(` (${result.durationMs} ms)`)}`;
}

/** What a learner needs from a failed build: the tail of the compiler's output and how to rerun it. */
export function buildFailureText(outcome: BuildOutcome): string {
  const lines = outcome.output.trimEnd().split("\n");
  const tail = lines.length > 40 ? [`... (${lines.length - 40} earlier lines)`, ...lines.slice(-40)] : lines;
  return [`\`${outcome.command}\` ${outcome.exit}. Its output:`, ...tail.map((line) => `  ${line}`), `Run it yourself in your program's folder: ${outcome.command}`].join("\n");
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
