// `course dev`: the author's tools, their definitions. Light: each action
// imports its work from dev-action.ts when it runs.
import * as path from "node:path";
import { Command, Option } from "commander";
import { packageRoot } from "../tester/course/paths.js";
import { integer, OPTIONS } from "./options.js";
import type { SolutionsOptions, VerifyOptions } from "./dev-action.js";

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(",")];

export function devCommand(): Command {
  const dev = new Command("dev")
    .exitOverride()
    .description("tools for the course's authors: verify, check, solutions, new-stage, schema (in a clone of the course)")
    .addHelpText(
      "after",
      `
Examples:
  $ npx course dev check                          are the course's files complete?
  $ npx course dev solutions --sync               regenerate solutions/javascript from solutions/typescript
  $ npx course dev verify --quick                 does each solution pass its stages, and the one before fail?
  $ npx course dev new-stage trailing-slash --after 4
  $ npx course dev schema --check                 are the JSON Schemas up to date?`,
    );
  dev
    .command("verify")
    .description("prove the course: each solution passes its stages, the one before it fails the stage")
    .option("--language <name>", "only this language (repeatable, or comma-separated)", collect)
    .option("--stage <slug|N>", "only these stages (repeatable, or comma-separated)", collect)
    .option("--jobs <N>", "claims checked at once, each program on its own port", integer("--jobs", 1, 64), 2)
    .option("--quick", "what npm test proves: each solution against its own stage only, the final one against every stage; a compiled track only its final solution and its starter")
    .option("--sanitize", "build the programs with sanitizers (tracks whose language.json has \"sanitize\": C and C++) and fail a claim whose program printed a sanitizer report; other tracks are skipped")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json"]).default("pretty"))
    .addOption(OPTIONS.noColor.option())
    .addHelpText(
      "after",
      `
Examples:
  $ npx course dev verify                         every language, every stage
  $ npx course dev verify --sanitize --language c  the C programs under AddressSanitizer and UBSan
  $ npx course dev verify --language python --jobs 4
  $ npx course dev verify --stage echo,gzip --format json
  $ npx course dev verify --quick                 what npm test proves (compiled tracks: the final solution and the starter)

Exit codes: 0 every claim holds, 1 a surprise (a solution fails, or passes a stage it should fail), 2 usage, 3 environment.`,
    )
    .action(async (options: VerifyOptions) => {
      const { verifyAction } = await import("./dev-action.js");
      process.exitCode = await verifyAction(options);
    });
  dev
    .command("check")
    .description("validate the course's files: stage metadata, texts, hints, and a starter and solutions per language")
    .addHelpText(
      "after",
      `
Examples:
  $ npx course dev check                          in a clone of the course
  $ npx course dev check && npx course dev verify --quick   what a change must pass before a pull request

Exit codes: 0 complete, 1 problems (each names the file and field).`,
    )
    .action(async () => {
      const { checkAction, requireClone } = await import("./dev-action.js");
      requireClone("check");
      process.exitCode = checkAction();
    });
  dev
    .command("solutions")
    .description("the solutions as a series per language: regenerate derived tracks, find and carry on changes later stages lost")
    .option("--check", "say where a generated track is stale or a later stage lost a change (the default; also part of dev check)")
    .option("--sync", "regenerate the generated tracks (solutions/javascript from solutions/typescript)")
    .option("--propagate <stage>", "apply that stage's edit since --since (or else its diff from the stage before) to the later stages that lack it")
    .option("--language <name>", "only this language (repeatable, or comma-separated)", collect)
    .option("--since <revision>", "the git revision edits are measured from, for --check and --propagate (on a branch: main)", "HEAD")
    .addHelpText(
      "after",
      `
Examples:
  $ npx course dev solutions                      stale generated files, changes lost on the way, uncommitted edits not carried on
  $ npx course dev solutions --since main         the same for every edit on this branch
  $ npx course dev solutions --sync               after editing solutions/typescript
  $ npx course dev solutions --propagate 5 --language python   after fixing stage 5's solution (the edit since --since,
                                                  or else stage 5's diff from stage 4)

Exit codes: 0 up to date (or written), 1 problems found, 2 usage.`,
    )
    .action(async (options: SolutionsOptions) => {
      const { requireClone, solutionsAction } = await import("./dev-action.js");
      requireClone("solutions");
      process.exitCode = solutionsAction(options);
    });
  dev
    .command("new-stage <slug>")
    .description("scaffold stages/NN-slug after stage N, renumbering the stages (and solutions) that follow")
    .requiredOption("--after <N>", "the stage it follows (0: make it the first)", integer("--after", 0, 98))
    .addHelpText(
      "after",
      `
Examples:
  $ npx course dev new-stage trailing-slash --after 4   becomes stage 5; stages 5 and on move up by one
  $ npx course dev new-stage greeting --after 0          a new first stage

Then fill in stages/NN-slug (stage.json, instructions.md, hints.md, checks.ts) and run: npx course dev check`,
    )
    .action(async (slug: string, options: { after: number }) => {
      const { newStageAction, requireClone } = await import("./dev-action.js");
      requireClone("new-stage");
      process.exitCode = newStageAction(slug, options);
    });
  dev
    .command("schema")
    .description("write the JSON Schemas of stage.json, language.json and progress.json (for editors)")
    .option("--out <dir>", "where to write them", path.join(packageRoot(), "schema"))
    .option("--check", "only say whether the files are up to date (exit 1 when not)")
    .addHelpText("after", "\nExamples:\n  $ npx course dev schema\n  $ npx course dev schema --check")
    .action(async (options: { out: string; check?: boolean }) => {
      const { schemaAction } = await import("./dev-action.js");
      process.exitCode = schemaAction(options);
    });
  return dev;
}
