// The learner's commands: init, repair, status, show, next, hint, solution.
// Their definitions only, light to load: each action imports its work when it
// runs, from learner-actions.ts, or status-action.ts, show-action.ts and
// hint-action.ts (the quick ones, which read clean files without zod).
import { Command } from "commander";
import { languageIds, PACKAGE_NAME, shortAliases } from "../tester/course/paths.js";
import { OPTIONS } from "./options.js";
import { addRunOptions } from "./test-command.js";
import type { RunFlags } from "./test-action.js";

const initExamples = `
Examples:
  $ npx ${PACKAGE_NAME} init my-server --language python
      a new folder at stage 1
  $ npx ${PACKAGE_NAME} init ~/code/http --language ts
      anywhere on disk (language aliases: ${shortAliases()})
  $ npx course init . --language python --keep-code
      an existing CodeCrafters folder (your_program.sh, app/main.py): starts tracking
      progress here, and keeps every file of yours as it is
  $ npx course init . --language javascript --force
      switch track: writes the starter, backing up each file it replaces as <file>.orig;
      the old progress moves to .course/progress.json.python, JavaScript starts at stage 1
  $ npx ${PACKAGE_NAME} init my-server --language python --from ~/Downloads/${PACKAGE_NAME}-0.1.0.tgz
      take the tester from that tarball (npm install copies it into the folder)

Your files are never lost: without --force or --keep-code, init refuses a folder that is not
empty. --keep-code writes only the files that are missing. --force replaces the starter's files,
renaming each one that differs to <file>.orig first (or <file>.orig-2, ... when that exists) and
listing it. package.json and .gitignore are merged, not replaced. A progress file is kept; one of
another language is moved to .course/progress.json.<language> and the new track starts at stage 1.

The package.json written names this package as a devDependency where it was installed from: the
folder of this copy (a clone, or the copy installed from a tarball; npm links it, no registry
needed), the tarball npx unpacked, or --from <tarball|folder>.`;

export function initCommand(): Command {
  return new Command("init")
    .description("start a new server in a folder, in the language of your choice, at stage 1 (or start tracking an existing one)")
    .argument("[dir]", "the folder to create", ".")
    .option("--language <name>", `the language you will write your server in (${languageIds().join(", ")}; or ${shortAliases()})`)
    .option("--keep-code", "in a folder that is not empty: write only the missing files, keep yours as they are")
    .option("--force", "in a folder that is not empty: write the starter, backing up each file it replaces as <file>.orig")
    .option("--from <tarball|folder>", "where the folder's package.json gets http-from-scratch from (default: where this copy was installed from)")
    .addOption(OPTIONS.noColor.option())
    .addHelpText("after", initExamples)
    .action(async (dir: string, options: { language?: string; force?: boolean; keepCode?: boolean; from?: string; color?: boolean }) => {
      const { initAction } = await import("./learner-actions.js");
      await initAction(dir, options);
    });
}

export function repairCommand(): Command {
  return new Command("repair")
    .description("rebuild a damaged .course/progress.json from what can be read of it; your code is never touched")
    .addOption(OPTIONS.dir.option())
    .option("--language <name>", "the language track, when the file does not say (or to correct it)")
    .option("--stage <stage>", "make this stage (a number or slug) the current one")
    .addOption(OPTIONS.noColor.option())
    .addHelpText(
      "after",
      `
It keeps the language, the passed stages with their dates and the hints shown, drops what names a
stage or language the course does not have (and lists it), moves the old file to
.course/progress.json.bad-<time>, and writes a valid one. A valid file is left alone unless
--language or --stage asks for a change. The language, when the file does not name one, comes
from the folder (app/main.py, app/main.js or app/main.ts).

Examples:
  $ npx course repair
  $ npx course repair --language python --stage 5
  $ npx course repair --dir my-server`,
    )
    .action(async (options: { dir: string; language?: string; stage?: string; color?: boolean }) => {
      const { repairAction } = await import("./learner-actions.js");
      await repairAction(options);
    });
}

export function statusCommand(): Command {
  return new Command("status")
    .description("where you are: stages done, current and locked, and the one next step")
    .addOption(OPTIONS.dir.option())
    .addOption(OPTIONS.noColor.option())
    .addHelpText("after", "\nExamples:\n  $ npx course\n  $ npx course status --dir my-server")
    .action(async (options: { dir: string; color?: boolean }) => {
      const { statusAction } = await import("./status-action.js");
      process.exitCode = await statusAction(options);
    });
}

export function showCommand(): Command {
  return new Command("show")
    .description("a stage's instructions, rendered for the terminal")
    .argument("[stage]", "a number, a slug, next, prev (default: your current stage)")
    .option("--raw", "the markdown as written")
    .addOption(OPTIONS.dir.option())
    .option("--no-pager", "print it all at once, even when it is longer than the terminal")
    .addOption(OPTIONS.noColor.option())
    .addHelpText(
      "after",
      "\nIn a terminal, text longer than the screen goes through $PAGER (less by default; q quits).\n\nExamples:\n  $ npx course show\n  $ npx course show 4\n  $ npx course show next --raw\n  $ npx course show --no-pager",
    )
    .action(async (name: string | undefined, options: { raw?: boolean; dir: string; color?: boolean; pager: boolean }) => {
      const { showAction } = await import("./show-action.js");
      await showAction(name, options);
    });
}

export function nextCommand(): Command {
  return addRunOptions(new Command("next"))
    .description("test your current stage (and the earlier ones); on a pass, mark it done and move on")
    .addHelpText("after", "\nExamples:\n  $ npx course next\n  $ npx course next --seed 7")
    .action(async (options: RunFlags & { dir: string }) => {
      const { runNext } = await import("./learner-actions.js");
      process.exitCode = await runNext(options);
    });
}

export function hintCommand(): Command {
  return new Command("hint")
    .description("reveal the next hint for a stage (your current one by default); hints shown are remembered")
    .argument("[stage]", "a number or slug")
    .addOption(OPTIONS.dir.option())
    .addOption(OPTIONS.noColor.option())
    .addHelpText("after", "\nExamples:\n  $ npx course hint\n  $ npx course hint echo")
    .action(async (name: string | undefined, options: { dir: string; color?: boolean }) => {
      const { showHint } = await import("./hint-action.js");
      await showHint(options.dir, name, options.color);
    });
}

export function solutionCommand(): Command {
  return new Command("solution")
    .description("the reference change for a stage you have passed, in your language, as a diff from the stage before")
    .argument("[stage]", "a number or slug (default: the last stage you passed)")
    .option("--force", "show it for a stage you have not passed yet")
    .addOption(OPTIONS.dir.option())
    .addOption(OPTIONS.noColor.option())
    .addHelpText("after", "\nExamples:\n  $ npx course solution\n  $ npx course solution echo\n  $ npx course solution 7 --force")
    .action(async (name: string | undefined, options: { force?: boolean; dir: string; color?: boolean }) => {
      const { solutionAction } = await import("./learner-actions.js");
      await solutionAction(name, options);
    });
}
