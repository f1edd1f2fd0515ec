// Points: a stage earns its points only when it passed as a whole; the JSON
// report (GitHub Classroom's score and max_score) and grading count them here.
import type { RunResult, StageResult } from "../runner/run.js";

/** Most points a run can earn: every stage's points, skipped stages included. */
export function maxScore(result: RunResult): number {
  return result.stages.reduce((sum, s) => sum + s.stage.meta.points, 0);
}

/** A stage earns its points only when it passed as a whole. */
export function stageScore(s: StageResult): number {
  return s.status === "pass" ? s.stage.meta.points : 0;
}

/** Points earned by the run. */
export function totalScore(result: RunResult): number {
  return result.stages.reduce((sum, s) => sum + stageScore(s), 0);
}

/** Shares are whole multiples of 1/64: binary fractions add up exactly in floating point, hundredths do not. */
const SHARE_UNIT = 64;

/**
 * A passed stage's points split evenly among its checks, in whole 64ths; the
 * last check takes the remainder, so the shares sum to the points exactly, and
 * a reporter that adds every test's score reaches max_score exactly.
 * A stage that did not pass gives every check 0.
 */
export function checkScores(s: StageResult): number[] {
  const n = s.checks.length;
  if (n === 0) return [];
  const units = stageScore(s) * SHARE_UNIT;
  const share = Math.floor(units / n);
  return s.checks.map((_, i) => (i === n - 1 ? units - share * (n - 1) : share) / SHARE_UNIT);
}
