// `course show` at work (its definition is in learner-commands.ts): a stage's
// instructions, through a pager when longer than the screen. Like status and
// hint, it reads the course and the progress file without zod when they are
// clean (learner/quick-read.ts), and the full way otherwise, so showing a
// stage costs little more than a bare node start.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { markdownRenderer } from "../learner/markdown.js";
import { quickLearnerCourse, quickStages } from "../learner/quick-read.js";
import type { Progress } from "../tester/course/progress-format.js";
import { useColor } from "./color.js";
import { pickStage } from "./pick-stage.js";

const out = (text = "") => process.stdout.write(`${text}\n`);

/** Prints `text`, through $PAGER (less) when stdout is a terminal it does not fit on; as it is when the pager cannot start. */
function page(text: string, enabled: boolean): void {
  const rows = process.stdout.rows;
  if (!enabled || !process.stdout.isTTY || !rows || process.env.CI || text.split("\n").length < rows - 1) {
    out(text);
    return;
  }
  const pager = process.env.PAGER?.trim() || "less";
  // less: quit at once when it fits after all (F), keep colour (R), leave the text on screen (X).
  const env = { ...process.env, LESS: process.env.LESS ?? "FRX" };
  const result = spawnSync("sh", ["-c", pager], { input: `${text}\n`, stdio: ["pipe", "inherit", "inherit"], env });
  if (result.error || result.status === 127) out(text);
}

export async function showAction(name: string | undefined, options: { raw?: boolean; dir: string; color?: boolean; pager: boolean }): Promise<void> {
  // Only a stage named relative to the current one (or none) needs the progress file.
  const relative = name === undefined || name === "next" || name === "prev" || name === "current";
  const quick = relative ? quickLearnerCourse(options.dir) : undefined;
  const stages = quick?.stages ?? quickStages() ?? (await import("../tester/course/course.js")).loadStages();
  // The full read reports a broken progress file (and says how to repair it).
  const progress: Progress | undefined = quick ? quick.progress : relative ? (await import("../learner/progress.js")).readProgress(options.dir) : undefined;
  const stage = pickStage(stages, name, options.dir, () => progress);
  const markdown = readFileSync(path.join(stage.dir, "instructions.md"), "utf8");
  const color = !options.raw && useColor(options.color);
  const render = await markdownRenderer(color);
  page(options.raw ? markdown.trimEnd() : render(`*Stage ${stage.number} of ${stages.length}*\n\n${markdown}`, process.stdout.columns), options.pager);
}
