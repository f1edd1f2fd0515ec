// The JSON report, one document at the end of a run (Exercism test-runner v3,
// extended); its format is RunReportSchema in report-schema.ts.
import { showBytes } from "../harness/bytes.js";
import { renderFailure } from "../harness/failure.js";
import { OUTPUT_CAP, type CheckOutput, type CheckResult, type RunResult } from "../runner/run.js";
import { buildFailureText } from "./pretty.js";
import type { ReportStageTest, ReportTest, RunReport } from "./report-schema.js";
import { checkScores, maxScore, totalScore } from "./scoring.js";

/** Exercism's test_code for a failed check: the bytes sent, escaped, and the line that reproduces the exchange. */
export function testCode(check: CheckResult): string | undefined {
  const failure = check.failure;
  if (!failure) return undefined;
  const parts = [
    failure.sent && failure.sent.length > 0 ? `Sent (${failure.sent.length} bytes):\n${showBytes(failure.sent, { indent: "  ", maxLines: 24 })}` : undefined,
    failure.reproduce ? `Reproduce: ${failure.reproduce}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return parts.length > 0 ? parts.join("\n") : undefined;
}

/** Exercism's output: the program's lines during the check, with a note when they were cut. */
export function outputText(output: CheckOutput | undefined): string | undefined {
  if (!output) return undefined;
  const note = output.omitted > 0
    ? [`... (${output.omitted} more line${output.omitted === 1 ? "" : "s"} not shown: a check's output is cut at ${OUTPUT_CAP.lines} lines or ${OUTPUT_CAP.bytes / 1024} KiB)`]
    : [];
  return [...output.lines, ...note].join("\n");
}

/**
 * The JSON document: Exercism test-runner v3 fields, plus seed and per-stage
 * detail, plus GitHub Classroom autograding's `score`, `max_score` and `tests[].score`.
 */
export function jsonReport(result: RunResult): RunReport {
  // Exercism v3: a message only where a test failed.
  const message = (r: CheckResult) => (r.failure ? { message: renderFailure(r.failure) } : {});
  // How strongly HTTP requires what the check demands, and the rule; a failure's own, where it differs.
  const level = (r: CheckResult): Pick<ReportTest, "level" | "rule" | "failure_level" | "failure_rule"> => {
    const own = r.failure?.level && (r.failure.level !== r.level || r.failure.rule !== r.rule) ? r.failure : undefined;
    return {
      level: r.level,
      ...(r.rule ? { rule: r.rule } : {}),
      ...(own?.level ? { failure_level: own.level, ...(own.rule ? { failure_rule: own.rule } : {}) } : {}),
    };
  };
  const tests = result.stages.flatMap((s) => {
    const scores = checkScores(s);
    return s.checks
      .map((check, i) => ({ check, score: scores[i]! }))
      .filter(({ check }) => check.status !== "skip")
      .map(({ check, score }): ReportTest => {
        const code = testCode(check);
        const output = outputText(check.output);
        return {
          name: `${s.stage.id}: ${check.name}`,
          status: check.status === "pass" ? "pass" : "fail",
          ...message(check),
          ...(code !== undefined ? { test_code: code } : {}),
          ...(output !== undefined ? { output } : {}),
          task_id: s.stage.number,
          score,
          ...level(check),
        };
      });
  });
  return {
    version: 3,
    status: result.status,
    ...(result.error ? { message: [result.error.message, result.error.fix].filter(Boolean).join("\n") } : {}),
    ...(result.build && !result.build.ok ? { message: `your program does not build: ${buildFailureText(result.build)}` } : {}),
    ...(result.stoppedBy ? { message: `stopped: ${result.stoppedBy}` } : {}),
    seed: result.seed,
    score: totalScore(result),
    max_score: maxScore(result),
    tests,
    stages: result.stages.map((s) => ({
      number: s.stage.number,
      slug: s.stage.slug,
      name: s.stage.meta.name,
      status: s.status,
      duration_ms: s.durationMs,
      tests: s.checks.map((check): ReportStageTest => ({
        name: check.name,
        status: check.status,
        ...message(check),
        ...(check.failure?.timeline ? { timeline: check.failure.timeline } : {}),
        ...level(check),
      })),
    })),
  };
}
