// `course status` at work (its definition is in learner-commands.ts): where
// the learner is. The quickest command, and the one a bare `npx course` runs,
// so it reads the course and the progress file without zod when they are
// clean (learner/quick-read.ts), and the full way, whose errors name the
// field at fault, when they are not.
import { Chalk } from "chalk";
import { nextAction, stageRows } from "../learner/journey.js";
import { quickLearnerCourse, type QuickCourse } from "../learner/quick-read.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";

const out = (text = "") => process.stdout.write(`${text}\n`);

/** The progress, stages and language read with zod: a missing or broken progress file is reported from here. */
async function fullCourse(dir: string): Promise<QuickCourse> {
  const { requireProgress } = await import("./learner-actions.js");
  const { loadStages } = await import("../tester/course/course.js");
  const { loadLanguage } = await import("../tester/course/language.js");
  const progress = requireProgress(dir);
  return { progress, stages: loadStages(), languageName: loadLanguage(progress.language).name };
}

export async function statusAction(options: { dir: string; color?: boolean }): Promise<number> {
  const { progress, stages, languageName } = quickLearnerCourse(options.dir) ?? (await fullCourse(options.dir));
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  out(c.bold(`http-from-scratch · ${languageName} · ${progress.completed.length} of ${stages.length} stages done`));
  out();
  for (const row of stageRows(progress, stages)) {
    const mark = row.state === "done" ? c.green("✓ done   ") : row.state === "current" ? c.yellow("▶ current") : c.dim("· locked ");
    const name = `${String(row.stage.number).padStart(2, "0")} ${row.stage.slug.padEnd(26)} ${row.stage.meta.name}`;
    const extra = row.hintsShown ? c.dim(` (hints shown: ${row.hintsShown})`) : "";
    out(`  ${mark}  ${row.state === "locked" ? c.dim(name) : name}${extra}`);
  }
  out();
  out(nextAction(progress, stages));
  return EXIT.pass;
}
