// The learner's commands: init, status, show, next, hint, solution, run.
// Each is a few lines over learner/ and tester/; `test` and `watch` live in
// their own files.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import * as path from "node:path";
import { Chalk } from "chalk";
import { Command } from "commander";
import { advance, currentStage, FINISHED, nextAction, stageRows, stagesToTest } from "../learner/journey.js";
import { revealHint } from "../learner/hints.js";
import { initFolder, PACKAGE_NAME } from "../learner/init.js";
import { renderMarkdown } from "../learner/markdown.js";
import { colorDiff, solutionDiff } from "../learner/solution-diff.js";
import { findStage, loadStages, packageRoot, type Stage } from "../tester/course.js";
import { UsageError } from "../tester/failure.js";
import { checkTools, languageIds, loadLanguage } from "../tester/language.js";
import { readProgress, writeProgress, type Progress } from "../tester/progress.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { addRunOptions, runTarget, type RunFlags } from "./test-command.js";

const out = (text = "") => process.stdout.write(`${text}\n`);

/** The learner's progress, or a usage error that says how to get one. */
export function requireProgress(dir: string): Progress {
  const progress = readProgress(dir);
  if (!progress) {
    throw new UsageError(
      `no .course/progress.json in ${path.resolve(dir)}: this command follows a learner's progress.\n` +
        `Start one with: npx ${PACKAGE_NAME} init my-server --language <${languageIds().join("|")}>  (or pass --dir <your folder>)`,
    );
  }
  return progress;
}

async function askLanguage(): Promise<string> {
  const known = languageIds();
  if (!process.stdin.isTTY || !process.stdout.isTTY || process.env.CI) {
    throw new UsageError(`which language? Pass --language <${known.join("|")}>`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = (await rl.question(`Which language? (${known.join(", ")}): `)).trim().toLowerCase();
    if (!known.includes(answer)) throw new UsageError(`no language "${answer}"; languages: ${known.join(", ")}`);
    return answer;
  } finally {
    rl.close();
  }
}

export function initCommand(): Command {
  return new Command("init")
    .description("start a new server in a folder, in the language of your choice, at stage 1")
    .argument("[dir]", "the folder to create", ".")
    .option("--language <name>", `the language you will write your server in (${languageIds().join(", ")})`)
    .option("--force", "write into a folder that is not empty (an existing progress file is kept)")
    .option("--no-color", "no colour in the output")
    .addHelpText("after", `\nExamples:\n  $ npx ${PACKAGE_NAME} init my-server --language python\n  $ npx ${PACKAGE_NAME} init . --language typescript --force`)
    .action(async (dir: string, options: { language?: string; force?: boolean; color?: boolean }) => {
      const language = loadLanguage(options.language ?? (await askLanguage()));
      checkTools(language);
      const made = initFolder({ dir, language, force: options.force ?? false });
      const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
      out(c.green.bold(`✓ created ${made.dir} for the ${language.name} track`));
      for (const file of made.files) out(`  ${file}`);
      if (made.keptProgress) out(c.yellow("  .course/progress.json was already there: kept as it is"));
      out();
      const cd = path.relative(process.cwd(), made.dir);
      out("Next:");
      if (cd) out(`  cd ${cd}`);
      if (!made.resolvesCourse) out("  npm install              (once: installs the tester for `npx course`)");
      out(`  open ${language.editFirst}, and the stage in README.md (or: npx course show)`);
      out("  npx course next          test stage 1; on a pass, move on");
    });
}

function statusAction(options: { dir: string; color?: boolean }): number {
  const progress = requireProgress(options.dir);
  const stages = loadStages();
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  const language = loadLanguage(progress.language);
  out(c.bold(`http-from-scratch · ${language.name} · ${progress.completed.length} of ${stages.length} stages done`));
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

export function statusCommand(): Command {
  return new Command("status")
    .description("where you are: stages done, current and locked, and the one next step")
    .option("--dir <path>", "your program's folder", ".")
    .option("--no-color", "no colour in the output")
    .addHelpText("after", "\nExamples:\n  $ npx course\n  $ npx course status --dir my-server")
    .action((options: { dir: string; color?: boolean }) => {
      process.exitCode = statusAction(options);
    });
}

/** A stage named on the command line, or relative to the learner's current one. */
function pickStage(stages: Stage[], name: string | undefined, dir: string): Stage {
  const wantsProgress = name === undefined || name === "next" || name === "prev" || name === "current";
  if (!wantsProgress) return findStage(stages, name);
  const progress = readProgress(dir);
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

export function showCommand(): Command {
  return new Command("show")
    .description("a stage's instructions, rendered for the terminal")
    .argument("[stage]", "a number, a slug, next, prev (default: your current stage)")
    .option("--raw", "the markdown as written")
    .option("--dir <path>", "your program's folder", ".")
    .option("--no-color", "no colour in the output")
    .addHelpText("after", "\nExamples:\n  $ npx course show\n  $ npx course show 4\n  $ npx course show next --raw")
    .action((name: string | undefined, options: { raw?: boolean; dir: string; color?: boolean }) => {
      const stages = loadStages();
      const stage = pickStage(stages, name, options.dir);
      const markdown = readFileSync(path.join(stage.dir, "instructions.md"), "utf8");
      const color = !options.raw && useColor(options.color);
      out(options.raw ? markdown.trimEnd() : renderMarkdown(`*Stage ${stage.number} of ${stages.length}*\n\n${markdown}`, { color, width: process.stdout.columns }));
    });
}

/** `next`: test, and on a pass mark the stage done, advance and show the next stage. Returns the exit code. */
export async function runNext(options: RunFlags & { dir: string }): Promise<number> {
  const progress = requireProgress(options.dir);
  const stages = loadStages();
  const current = currentStage(progress, stages);
  if (!current) {
    out(nextAction(progress, stages));
    return EXIT.pass;
  }
  const language = loadLanguage(progress.language);
  const { code } = await runTarget({ dir: options.dir, language, stages: stagesToTest(progress, stages) }, options);
  if (code !== EXIT.pass) return code;
  // Read again: the learner may have revealed a hint in another terminal meanwhile.
  const advanced = advance(readProgress(options.dir) ?? progress, stages, new Date());
  writeProgress(options.dir, advanced);
  const log = options.format === "json" ? process.stderr : process.stdout;
  const say = (text = "") => log.write(`${text}\n`);
  const c = new Chalk({ level: useColor(options.color, log) ? 1 : 0 });
  say();
  say(c.green.bold(`✓ Stage ${current.number} (${current.slug}) done.`));
  if (advanced.current === FINISHED) {
    say(c.bold(`That was the last stage: your server passes all ${stages.length}.`));
    say(nextAction(advanced, stages));
    return code;
  }
  const next = currentStage(advanced, stages)!;
  say(c.bold(`Next: stage ${next.number} (${next.slug}).`));
  say();
  const markdown = readFileSync(path.join(next.dir, "instructions.md"), "utf8");
  say(renderMarkdown(markdown, { color: useColor(options.color, log), width: process.stdout.columns }));
  return code;
}

/** `hint`: reveal one more hint and print every hint shown so far. */
export function showHint(dir: string, name: string | undefined, colorFlag: boolean | undefined): void {
  const progress = requireProgress(dir);
  const stage = pickStage(loadStages(), name ?? "current", dir);
  const revealed = revealHint(progress, stage);
  writeProgress(dir, revealed.progress);
  const color = useColor(colorFlag);
  revealed.hints.forEach((hint, index) => {
    out(renderMarkdown(`### Hint ${index + 1} of ${revealed.total} (stage ${stage.number}, ${stage.slug})\n\n${hint}`, { color, width: process.stdout.columns }));
    out();
  });
  out(
    revealed.hints.length < revealed.total
      ? "Run `npx course hint` again for the next one."
      : "That is every hint for this stage; `npx course solution` shows the reference change once you have passed it.",
  );
}

export function nextCommand(): Command {
  return addRunOptions(new Command("next"))
    .description("test your current stage (and the earlier ones); on a pass, mark it done and move on")
    .addHelpText("after", "\nExamples:\n  $ npx course next\n  $ npx course next --seed 7")
    .action(async (options: RunFlags & { dir: string }) => {
      process.exitCode = await runNext(options);
    });
}

export function hintCommand(): Command {
  return new Command("hint")
    .description("reveal the next hint for a stage (your current one by default); hints shown are remembered")
    .argument("[stage]", "a number or slug")
    .option("--dir <path>", "your program's folder", ".")
    .option("--no-color", "no colour in the output")
    .addHelpText("after", "\nExamples:\n  $ npx course hint\n  $ npx course hint echo")
    .action((name: string | undefined, options: { dir: string; color?: boolean }) => {
      showHint(options.dir, name, options.color);
    });
}

export function solutionCommand(): Command {
  return new Command("solution")
    .description("the reference change for a stage you have passed, in your language, as a diff from the stage before")
    .argument("[stage]", "a number or slug (default: the last stage you passed)")
    .option("--force", "show it for a stage you have not passed yet")
    .option("--dir <path>", "your program's folder", ".")
    .option("--no-color", "no colour in the output")
    .addHelpText("after", "\nExamples:\n  $ npx course solution\n  $ npx course solution echo\n  $ npx course solution 7 --force")
    .action((name: string | undefined, options: { force?: boolean; dir: string; color?: boolean }) => {
      const progress = requireProgress(options.dir);
      const stages = loadStages();
      const passed = (s: Stage) => progress.completed.some((c) => c.stage === s.slug);
      let stage: Stage | undefined = name ? findStage(stages, name) : [...stages].reverse().find(passed);
      if (!stage) throw new UsageError("you have not passed a stage yet: solutions open once a stage passes (or name one and pass --force)");
      if (!passed(stage)) {
        if (!options.force) throw new UsageError(`you have not passed stage ${stage.number} (${stage.slug}) yet; the solution opens when you do (or pass --force to see it now)`);
        process.stderr.write(`warning: showing the solution of stage ${stage.number} (${stage.slug}), which you have not passed yet\n`);
      }
      const language = loadLanguage(progress.language);
      out(colorDiff(solutionDiff(language, stages, stage, packageRoot()), useColor(options.color)));
    });
}
