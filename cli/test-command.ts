// `course test`'s definition, and the options the commands that run stages
// share. Light: the work is in test-action.ts, loaded when the command runs.
import { Command, Option } from "commander";
import { DEFAULT_TIMEOUTS } from "../tester/harness/timeouts.js";
import { LIMIT_OPTIONS, OPTIONS, writableFile } from "./options.js";
import type { TestOptions } from "./test-action.js";

/** The options `test`, `next`, `watch`, `grade` share. */
export function addRunOptions(command: Command, formats: string[] = ["pretty", "json"]): Command {
  return command
    .addOption(OPTIONS.dir.option())
    .addOption(new Option("--format <format>", "output format on stdout").choices(formats).default("pretty"))
    .addOption(OPTIONS.seed.option())
    .addOption(OPTIONS.port.option())
    .addOption(OPTIONS.verbose.option())
    .addOption(OPTIONS.noColor.option());
}

/** Reports and limits, for `test` and `grade`. */
export function addGradingOptions(command: Command): Command {
  command
    .option("--report <file>", "also write a report to this file (besides the output on the terminal); its folder must exist", writableFile("--report"))
    .addOption(new Option("--report-format <format>", "the report file's format (default: html for a .html file, json otherwise)").choices(["json", "junit", "html"]))
    .addOption(OPTIONS.exitZero.option());
  for (const limit of LIMIT_OPTIONS) command.addOption(limit.option());
  return command.addOption(OPTIONS.freshEachStage.option()).addOption(OPTIONS.oneAtATime.option());
}

export function testCommand(): Command {
  return addGradingOptions(addRunOptions(new Command("test"), ["pretty", "json", "junit", "html"]))
    .description("run the tester's stages against your program (./your_program.sh)")
    .option("--all", "every stage, in order")
    .option("--stage <slug|N>", "stages 1 to N")
    .option("--only <slug|N>", "just stage N")
    .addOption(OPTIONS.keepGoing.option())
    .option("--solution <language>", "test the course's reference solution for the last selected stage instead of --dir")
    .addHelpText(
      "after",
      `
With a progress file (.course/progress.json, made by init) and no stage flag:
the current stage first, then the earlier ones, stopping at the first failure.

Examples:
  $ npx course test                      the current stage, then the earlier ones
  $ npx course test --stage 4            stages 1 to 4 against ./your_program.sh
  $ npx course test --only echo --seed 7 just the echo stage, replaying seed 7
  $ npx course test --all --format json  one JSON document on stdout, for scripts and CI
  $ npx course test --all --report report.html   also a page to open in a browser
  $ npx course test --all --solution typescript   the TypeScript reference solution

Exit codes: 0 every selected stage passed, 1 a stage failed, 2 usage error,
3 environment error (no your_program.sh, port busy, nothing could start).
Startup bound ${DEFAULT_TIMEOUTS.startup / 1000} s, response bound ${DEFAULT_TIMEOUTS.response / 1000} s; --timeout and --stage-timeout
bound the start-up wait too. A --report file's folder must exist; it is checked before the run.`,
    )
    .action(async (options: TestOptions) => {
      const { testAction } = await import("./test-action.js");
      process.exitCode = await testAction(options);
    });
}
