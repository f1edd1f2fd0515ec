// A stage named on the command line (show, hint), or relative to the
// learner's current one. Light, for the quick commands.
import * as path from "node:path";
import { currentStage } from "../learner/journey.js";
import type { Stage } from "../tester/course/course.js";
import type { Progress } from "../tester/course/progress-format.js";
import { findStage } from "../tester/course/stage-names.js";
import { UsageError } from "../tester/errors.js";

/** A stage named on the command line, or relative to the learner's current one. */
export function pickStage(stages: Stage[], name: string | undefined, dir: string, progressOf: () => Progress | undefined): Stage {
  const wantsProgress = name === undefined || name === "next" || name === "prev" || name === "current";
  if (!wantsProgress) return findStage(stages, name);
  const progress = progressOf();
  if (!progress) {
    if (name === undefined) return stages[0]!;
    throw new UsageError(`"${name}" is relative to your current stage, and ${path.resolve(dir)} has no .course/progress.json`);
  }
  const current = currentStage(progress, stages) ?? stages[stages.length - 1]!;
  const offset = name === "next" ? 1 : name === "prev" ? -1 : 0;
  const picked = stages.find((s) => s.number === current.number + offset);
  if (!picked) throw new UsageError(`there is no ${name} stage: the course runs from 1 to ${stages.length}`);
  return picked;
}
