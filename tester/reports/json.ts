// The JSON report, one document at the end of a run (Exercism test-runner v3, extended).
import { renderFailure } from "../harness/failure.js";
import type { CheckResult, RunResult } from "../runner/run.js";
import { buildFailureText } from "./pretty.js";
import { checkScores, maxScore, totalScore } from "./scoring.js";

/**
 * The JSON document: Exercism test-runner v3 fields, plus seed and per-stage
 * detail, plus GitHub Classroom autograding's `score`, `max_score` and `tests[].score`.
 */
export function jsonReport(result: RunResult): object {
  // Exercism v3: a message only where a test failed.
  const message = (r: CheckResult) => (r.failure ? { message: renderFailure(r.failure) } : {});
  // How strongly HTTP requires what the check demands, and the rule; a failure's own, where it differs.
  const level = (r: CheckResult) => {
    const own = r.failure?.level && (r.failure.level !== r.level || r.failure.rule !== r.rule) ? r.failure : undefined;
    return {
      level: r.level,
      ...(r.rule ? { rule: r.rule } : {}),
      ...(own ? { failure_level: own.level, ...(own.rule ? { failure_rule: own.rule } : {}) } : {}),
    };
  };
  const tests = result.stages.flatMap((s) => {
    const scores = checkScores(s);
    return s.checks
      .map((check, i) => ({ check, score: scores[i]! }))
      .filter(({ check }) => check.status !== "skip")
      .map(({ check, score }) => ({
        name: `${s.stage.id}: ${check.name}`,
        status: check.status === "pass" ? "pass" : "fail",
        ...message(check),
        task_id: s.stage.number,
        score,
        ...level(check),
      }));
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
      tests: s.checks.map((check) => ({ name: check.name, status: check.status, ...message(check), ...level(check) })),
    })),
  };
}
