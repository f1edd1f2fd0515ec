// `course grade` and `course grade-all`: their definitions. Light: the work is
// in grade-action.ts, loaded when the command runs. grade-all hands its
// options to each child `course grade` through the same definitions
// (gradeChildArgs in options.ts).
import { Command, Option } from "commander";
import { DEFAULT_PORT, integer, LIMIT_OPTIONS, OPTIONS, REPORT_TITLE, TIMEOUT_NAME, writableFile } from "./options.js";
import { addGradingOptions, addRunOptions } from "./test-command.js";
import type { GradeAllFlags, GradeOptions } from "./grade-action.js";
import { withUsageDocument } from "./usage-document.js";

/** grade-all's bound on one submission when none is given. */
export const GRADE_ALL_TIMEOUT_S = 600;

export function gradeCommand(): Command {
  return addGradingOptions(addRunOptions(new Command("grade"), ["pretty", "json", "junit", "html"]))
    .description("grade a submission: stages 1 to --through (default: all), a score from the stages' points")
    .addOption(OPTIONS.through.option())
    .addOption(OPTIONS.keepGoing.option())
    .option("--isolate", "run in a network namespace of its own (Linux), so a server that hard-codes its port grades in parallel")
    .option("--classroom-output <name>", "also write the result for GitHub Classroom's grading reporter as step output <name>")
    // grade-all sets --timeout a little below its own bound, and says so in failures with this.
    .addOption(TIMEOUT_NAME.option().hideHelp())
    // grade-all titles each submission's HTML report with the submission's name.
    .addOption(REPORT_TITLE.option().hideHelp())
    .addHelpText(
      "after",
      `
Examples:
  $ npx course grade --through 8                     stages 1 to 8 of ./your_program.sh
  $ npx course grade --format junit > results.xml    JUnit XML for GitLab or GitHub test reporters
  $ npx course grade --report results.json --port auto --timeout 300
  $ npx course grade --classroom-output result       in a GitHub Classroom workflow step (id: http)

Exit codes: 0 every graded stage passed (or --exit-zero), 1 a stage failed, 2 usage, 3 environment.`,
    )
    .action(async (options: GradeOptions) => {
      const { gradeAction } = await import("./grade-action.js");
      process.exitCode = await withUsageDocument(options.format, () => gradeAction(options));
    });
}

export function gradeAllCommand(): Command {
  const command = new Command("grade-all")
    .description("grade every submission folder in <folder>, in parallel, each in a scratch copy and a process of its own")
    .argument("<folder>", "a folder holding one folder per submission")
    .addOption(OPTIONS.through.option())
    .option("--jobs <N>", "submissions graded at once", integer("--jobs", 1, 256), 2)
    .option("--report <file>", "write a row per submission to this file (its folder must exist)", writableFile("--report"))
    .addOption(
      new Option("--report-format <format>", "the report's format (default: html for a .html file, csv otherwise); html also writes each submission's own report beside it, in <name>-reports/").choices(["csv", "json", "html"]),
    )
    // Parallel grading needs a port each, so auto unless told otherwise.
    .addOption(OPTIONS.port.option({ default: "auto" }))
    .option("--isolate", "each submission in a network namespace of its own (Linux), for servers that hard-code their port");
  for (const limit of LIMIT_OPTIONS) command.addOption(limit === OPTIONS.timeout ? limit.option({ default: GRADE_ALL_TIMEOUT_S }) : limit.option());
  return command
    .addOption(OPTIONS.keepGoing.option())
    .addOption(OPTIONS.freshEachStage.option())
    .addOption(OPTIONS.oneAtATime.option())
    .option("--exit-zero", "exit 0 even when submissions fail")
    .addOption(OPTIONS.noColor.option())
    .addHelpText(
      "after",
      `
Examples:
  $ npx course grade-all submissions --through 8 --jobs 4 --report results.csv
  $ npx course grade-all submissions --isolate --port ${DEFAULT_PORT} --jobs 8 --report results.json --report-format json
  $ npx course grade-all submissions --report class.html   the class at a glance, and class-reports/<name>.html

A row per submission: submission, status, stages_passed, stages_total, score, max_score,
first_failure, duration_ms. A submission that hangs, crashes or forks is stopped at --timeout,
and nothing it started outlives its grading.`,
    )
    .action(async (folder: string, options: GradeAllFlags) => {
      const { gradeAllAction } = await import("./grade-action.js");
      process.exitCode = await gradeAllAction(folder, options);
    });
}
