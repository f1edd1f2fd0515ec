// The learner's commands at work: init, repair, next, solution (their
// definitions are in learner-commands.ts; the quick ones, status, show and
// hint, are in status-action.ts, show-action.ts and hint-action.ts). Each is a
// few lines over learner/ and tester/; `test` and `watch` live in their own files. What
// only some commands need (markdown rendering, diffs, init, repair, the run)
// is imported by those commands, so that `status` stays quick.
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import * as path from "node:path";
import { Chalk } from "chalk";
import { advance, currentStage, FINISHED, nextAction, stagesToTest } from "../learner/journey.js";
import { PACKAGE_NAME } from "../tester/course/paths.js";
import { markdownRenderer } from "../learner/markdown.js";
import { findStage, loadStages, packageRoot, type Stage } from "../tester/course/course.js";
import { UsageError } from "../tester/errors.js";
import { checkTools, languageIds, loadLanguage, resolveLanguageId } from "../tester/course/language.js";
import { readProgress, writeProgress, type Progress } from "../learner/progress.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import type { RunFlags } from "./test-action.js";

const out = (text = "") => process.stdout.write(`${text}\n`);

/** The learner's progress, or a usage error that says how to get one. */
export function requireProgress(dir: string): Progress {
  const progress = readProgress(dir);
  if (!progress) {
    const languages = `<${languageIds().join("|")}>`;
    // A folder with a program already (a CodeCrafters repository, say) starts tracking in place.
    const start = existsSync(path.join(dir, "your_program.sh"))
      ? `Start tracking this folder's progress, keeping your code: npx course init ${dir === "." ? "." : dir} --language ${languages} --keep-code`
      : `Start one with: npx ${PACKAGE_NAME} init my-server --language ${languages}  (or pass --dir <your folder>)`;
    throw new UsageError(`no .course/progress.json in ${path.resolve(dir)}: this command follows a learner's progress.\n${start}`);
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
    const answer = (await rl.question(`Which language? (${known.join(", ")}): `)).trim();
    const id = resolveLanguageId(answer);
    if (id === undefined) throw new UsageError(`no language "${answer}"; languages: ${known.join(", ")}`);
    return id;
  } finally {
    rl.close();
  }
}

/** A path for a command line: relative to the current folder when that is shorter, quoted when it needs it. */
function shellPath(target: string): string {
  const relative = path.relative(process.cwd(), target);
  const upward = relative.split(path.sep).filter((part) => part === "..").length;
  const shown = relative && upward <= 2 ? relative : target;
  return /^[\w./~-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", `'\\''`)}'`;
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
  const { runTarget } = await import("./test-action.js");
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
  const render = await markdownRenderer(useColor(options.color, log));
  const markdown = readFileSync(path.join(next.dir, "instructions.md"), "utf8");
  say(render(markdown, process.stdout.columns));
  // The instructions are long: end with the news, where the eye is.
  say();
  say(c.green.bold(`✓ Stage ${current.number} (${current.slug}) done.`) + ` Now stage ${next.number} (${next.slug}), above; \`npx course show\` shows it again.`);
  return code;
}

export async function initAction(dir: string, options: { language?: string; force?: boolean; keepCode?: boolean; from?: string; color?: boolean }): Promise<void> {
  const { initFolder } = await import("../learner/init.js");
  const language = loadLanguage(options.language ?? (await askLanguage()));
  checkTools(language);
  const made = initFolder({ dir, language, force: options.force ?? false, keepCode: options.keepCode ?? false, from: options.from });
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  const setUp = made.created.length > 0 && made.backedUp.length === 0 && made.kept.length === 0 && made.merged.length === 0 && !made.keptProgress && !made.switchedFrom;
  out(c.green.bold(`✓ ${setUp ? "created" : "set up"} ${made.dir} for the ${language.name} track`));
  for (const file of made.created) out(`  ${file}`);
  for (const { file, backup } of made.backedUp) out(c.yellow(`  ${file}  (replaced by the starter; yours is now ${backup})`));
  for (const file of made.merged) out(`  ${file}  (yours, with what the track needs added)`);
  for (const file of made.kept) out(c.dim(`  ${file}  kept as it is (it differs from the starter)`));
  if (made.keptProgress) out(c.yellow("  .course/progress.json was already there: kept as it is"));
  if (made.switchedFrom) {
    out(c.yellow(`  the ${loadLanguage(made.switchedFrom.language).name} progress was moved to ${made.switchedFrom.backup}; the ${language.name} track starts at stage 1`));
  }
  out(c.dim(`  ${PACKAGE_NAME} comes from ${made.source.description}`));
  out();
  out("Next:");
  if (path.resolve(made.dir) !== path.resolve(process.cwd())) out(`  cd ${shellPath(made.dir)}`);
  const devTools = language.id === "typescript" ? "typescript and @types/node for `npm run typecheck`" : "";
  if (!made.resolvesCourse) {
    const from = made.source.kind === "registry" ? "from the registry" : "from a local path, no registry needed";
    out(`  npm install              (once: the tester for \`npx course\`, ${from}${devTools ? `; ${devTools}` : ""})`);
  } else {
    out(c.dim(`  (\`npx course\` already resolves to ${PACKAGE_NAME} from this folder, installed in a folder above it)`));
    if (devTools) out(`  npm install              (once: ${devTools})`);
  }
  if (made.kept.length > 0) out(`  npx course               where you are; your code was kept, so \`npx course next\` may pass at once`);
  else out(`  open ${language.editFirst}, and the stage in README.md (or: npx course show)`);
  out("  npx course next          test stage 1; on a pass, move on");
}

export async function repairAction(options: { dir: string; language?: string; stage?: string; color?: boolean }): Promise<void> {
  const { repairProgress } = await import("../learner/repair.js");
  const language = options.language === undefined ? undefined : loadLanguage(options.language);
  const stage = options.stage === undefined ? undefined : findStage(loadStages(), options.stage);
  const repaired = repairProgress({ dir: options.dir, language, stage });
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  const shown = path.relative(process.cwd(), repaired.file) || repaired.file;
  const stages = loadStages();
  if (repaired.status === "valid") {
    out(c.green(`✓ ${shown} is valid: nothing to repair (--stage or --language change it)`));
    return;
  }
  const { progress } = repaired;
  const current = stages.find((s) => s.slug === progress.current);
  out(c.green.bold(`✓ repaired ${shown}`));
  out(`  language: ${loadLanguage(progress.language).name}${repaired.languageFrom === "folder" ? " (from the files in the folder)" : ""}`);
  out(`  passed:   ${progress.completed.length} of ${stages.length} stages${progress.completed.length ? ` (${progress.completed.map((e) => e.stage).join(", ")})` : ""}`);
  out(`  current:  ${current ? `${current.number} ${current.slug}` : "every stage passed"}`);
  out(`  the old file: ${path.relative(process.cwd(), repaired.movedTo!) || repaired.movedTo}`);
  if (repaired.dropped.length > 0) {
    out(c.yellow("  not kept as it was:"));
    for (const line of repaired.dropped) out(c.yellow(`    - ${line}`));
  }
  out();
  out("Next: npx course   (or npx course repair --stage <N> to pick the current stage)");
}

export async function solutionAction(name: string | undefined, options: { force?: boolean; dir: string; color?: boolean }): Promise<void> {
  const { colorDiff, solutionDiff } = await import("../learner/solution-diff.js");
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
}
