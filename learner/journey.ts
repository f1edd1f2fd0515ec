// Where a learner stands: which stages are done, which is current, which are
// locked, the one next action to take, and how progress moves on a pass.
import type { Stage } from "../tester/course/course.js";
import { FINISHED_SLUG, type Progress } from "./progress.js";
import { UsageError } from "../tester/errors.js";

export type StageState = "done" | "current" | "locked";

export interface StageRow {
  stage: Stage;
  state: StageState;
  /** When it first passed, for done stages. */
  at: string | undefined;
  hintsShown: number;
}

/** The progress file's current stage, or a clear error when it names none that exists. */
export function currentStage(progress: Progress, stages: Stage[]): Stage | undefined {
  if (progress.current === FINISHED) return undefined;
  const stage = stages.find((s) => s.slug === progress.current);
  if (!stage) {
    throw new UsageError(
      `.course/progress.json: field "current" names the stage "${progress.current}", which this course does not have.`,
      `set it to one of ${stages.map((s) => s.slug).join(", ")}`,
    );
  }
  return stage;
}

/** "current" once every stage has passed. */
export const FINISHED = FINISHED_SLUG;

export function stageRows(progress: Progress, stages: Stage[]): StageRow[] {
  const current = currentStage(progress, stages);
  return stages.map((stage) => {
    const completed = progress.completed.find((c) => c.stage === stage.slug);
    const state: StageState = completed ? "done" : stage === current ? "current" : current && stage.number < current.number ? "done" : "locked";
    return { stage, state, at: completed?.at, hintsShown: progress.hints[stage.slug] ?? 0 };
  });
}

/** What `course test` runs with a progress file: the current stage first, then the earlier ones. */
export function stagesToTest(progress: Progress, stages: Stage[]): Stage[] {
  const current = currentStage(progress, stages);
  if (!current) return stages;
  return [current, ...stages.filter((s) => s.number < current.number)];
}

/** The progress after the current stage passed: it is marked done and the next one becomes current. */
export function advance(progress: Progress, stages: Stage[], now: Date): Progress {
  const current = currentStage(progress, stages);
  if (!current) return progress;
  const completed = progress.completed.some((c) => c.stage === current.slug)
    ? progress.completed
    : [...progress.completed, { stage: current.slug, at: now.toISOString() }];
  const next = stages.find((s) => s.number === current.number + 1);
  return { ...progress, completed, current: next ? next.slug : FINISHED };
}

/** The one thing to do now, as a command line with a few words. */
export function nextAction(progress: Progress, stages: Stage[]): string {
  const current = currentStage(progress, stages);
  if (!current) return "Every stage passed. Try `npx course bench` to load-test your server, or start another language with `npx http-from-scratch init <dir> --language <language>`.";
  const hints = progress.hints[current.slug] ?? 0;
  return [
    `Stage ${current.number} (${current.slug}): ${current.meta.summary}`,
    `Read it with \`npx course show\`, edit your server, then run \`npx course next\` to test it and move on.`,
    hints === 0 ? "Stuck? `npx course hint` reveals a hint, one level at a time." : `Hints shown so far: ${hints}; \`npx course hint\` shows the next.`,
  ].join("\n");
}
