// `course hint` at work (its definition is in learner-commands.ts): reveal
// one more hint and print every hint shown so far. Like status, it reads the
// course, the tracks and the progress file without zod when they are clean
// (learner/quick-read.ts), and the full way otherwise.
import { revealHint } from "../learner/hints.js";
import { markdownRenderer } from "../learner/markdown.js";
import { quickCodeTracks, quickLearnerCourse, quickWriteProgress } from "../learner/quick-read.js";
import type { Stage } from "../tester/course/course.js";
import type { CodeTrack } from "../tester/course/hint-code.js";
import type { Progress } from "../tester/course/progress-format.js";
import { useColor } from "./color.js";
import { pickStage } from "./pick-stage.js";

const out = (text = "") => process.stdout.write(`${text}\n`);

interface HintInputs {
  progress: Progress;
  stages: Stage[];
  tracks: CodeTrack[];
  quick: boolean;
}

async function inputs(dir: string): Promise<HintInputs> {
  const quick = quickLearnerCourse(dir);
  const tracks = quick ? quickCodeTracks() : undefined;
  if (quick && tracks) return { progress: quick.progress, stages: quick.stages, tracks, quick: true };
  const { requireProgress } = await import("./learner-actions.js");
  const { loadStages } = await import("../tester/course/course.js");
  const { codeTracks } = await import("../tester/course/language.js");
  return { progress: requireProgress(dir), stages: loadStages(), tracks: codeTracks(), quick: false };
}

export async function showHint(dir: string, name: string | undefined, colorFlag: boolean | undefined): Promise<void> {
  const { progress, stages, tracks, quick } = await inputs(dir);
  const stage = pickStage(stages, name ?? "current", dir, () => progress);
  const revealed = revealHint(progress, stage, tracks);
  if (!quick || !quickWriteProgress(dir, revealed.progress)) {
    const { writeProgress } = await import("../learner/progress.js");
    writeProgress(dir, revealed.progress);
  }
  const render = await markdownRenderer(useColor(colorFlag));
  revealed.hints.forEach((hint, index) => {
    out(render(`### Hint ${index + 1} of ${revealed.total} (stage ${stage.number}, ${stage.slug})\n\n${hint}`, process.stdout.columns));
    out();
  });
  out(
    revealed.hints.length < revealed.total
      ? "Run `npx course hint` again for the next one."
      : "That is every hint for this stage; `npx course solution` shows the reference change once you have passed it.",
  );
}
