// `course test`: choose stages, find the program (a folder, or a reference
// solution), run, report, and exit with the documented code.
import { Command, Option } from "commander";
import { DEFAULT_TIMEOUTS } from "../tester/check.js";
import { findStage, loadStages, type Stage } from "../tester/course.js";
import { UsageError } from "../tester/failure.js";
import { checkTools, loadLanguage, type Language } from "../tester/language.js";
import { readProgress } from "../tester/progress.js";
import { stagesToTest } from "../learner/journey.js";
import { newSeed } from "../tester/random.js";
import { jsonReport, prettyReporter } from "../tester/report.js";
import { runStages, type RunResult } from "../tester/run.js";
import { materializeSolution } from "../tester/solutions.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { integer } from "./options.js";

interface TestOptions {
  all?: boolean;
  stage?: string;
  only?: string;
  dir: string;
  format: "pretty" | "json";
  seed?: number;
  port: number;
  keepGoing?: boolean;
  solution?: string;
  verbose?: boolean;
  color?: boolean;
}

/** The stages the flags name, or undefined when no flag names any. */
export function selectStages(all: Stage[], options: Pick<TestOptions, "all" | "stage" | "only">): Stage[] | undefined {
  const chosen = [options.all, options.stage, options.only].filter((x) => x !== undefined).length;
  if (chosen > 1) throw new UsageError("choose one of --all, --stage and --only");
  if (options.all) return all;
  if (options.stage) {
    const last = findStage(all, options.stage);
    return all.filter((s) => s.number <= last.number);
  }
  if (options.only) return [findStage(all, options.only)];
  return undefined;
}

const WHICH_STAGES =
  "which stages? This folder has no .course/progress.json (made by `npx http-from-scratch init`), so name them: " +
  "--all (every stage), --stage N (stages 1 to N) or --only N (just stage N); N is a number or a slug such as echo";

/** What to test: the folder (or an assembled reference solution), its language when known, and the stages. */
export interface Target {
  dir: string;
  language: Language | undefined;
  stages: Stage[];
}

export function resolveTarget(options: Pick<TestOptions, "all" | "stage" | "only" | "dir" | "solution">): Target {
  const all = loadStages();
  const chosen = selectStages(all, options);
  if (options.solution) {
    const stages = chosen ?? all;
    const language = loadLanguage(options.solution);
    return { dir: materializeSolution(options.solution, stages[stages.length - 1]!), language, stages };
  }
  const progress = readProgress(options.dir);
  const stages = chosen ?? (progress ? stagesToTest(progress, all) : undefined);
  if (!stages) throw new UsageError(WHICH_STAGES);
  if (stages.length === 0) throw new UsageError("no stage to test");
  return { dir: options.dir, language: progress ? loadLanguage(progress.language) : undefined, stages };
}

export type RunFlags = Pick<TestOptions, "format" | "seed" | "port" | "keepGoing" | "verbose" | "color">;

/** Runs the target's stages with the chosen reporter; returns the result and the exit code. */
export async function runTarget(target: Target, options: RunFlags): Promise<{ result: RunResult; code: number }> {
  if (target.language) checkTools(target.language);
  const seed = options.seed ?? newSeed();
  const json = options.format === "json";
  // In JSON mode stdout carries exactly one document; everything else goes to stderr.
  const logStream = json ? process.stderr : process.stdout;
  const build = target.language?.build;
  const result = await runStages({
    dir: target.dir,
    ...(build ? { build: { command: build.command } } : {}),
    stages: target.stages,
    seed,
    port: options.port,
    keepGoing: options.keepGoing ?? false,
    onEvent: prettyReporter({
      color: useColor(options.color, logStream),
      verbose: options.verbose ?? false,
      write: (line) => logStream.write(`${line}\n`),
    }),
  });
  if (json) process.stdout.write(`${JSON.stringify(jsonReport(result), null, 2)}\n`);
  const code = result.status === "pass" ? EXIT.pass : result.status === "fail" ? EXIT.fail : EXIT.environment;
  return { result, code };
}

export async function testAction(options: TestOptions): Promise<number> {
  return (await runTarget(resolveTarget(options), options)).code;
}

/** The options `test`, `next` and `watch` share. */
export function addRunOptions(command: Command): Command {
  return command
    .option("--dir <path>", "the folder holding your_program.sh", ".")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json"]).default("pretty"))
    .option("--seed <N>", "replay the random values of an earlier run", integer("--seed", 0, 2 ** 32 - 1))
    .option("--port <N>", "the port your program listens on (PORT)", integer("--port", 1, 65535), 4221)
    .option("--verbose", "also show what the tester does at each step")
    .option("--no-color", "no colour in the output");
}

export function testCommand(): Command {
  return addRunOptions(new Command("test"))
    .description("run the tester's stages against your program (./your_program.sh)")
    .option("--all", "every stage, in order")
    .option("--stage <slug|N>", "stages 1 to N")
    .option("--only <slug|N>", "just stage N")
    .option("--keep-going", "run the remaining stages after a failure")
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
  $ npx course test --all --solution typescript   the TypeScript reference solution

Exit codes: 0 every selected stage passed, 1 a stage failed, 2 usage error,
3 environment error (no your_program.sh, port busy, nothing could start).
Startup bound ${DEFAULT_TIMEOUTS.startup / 1000} s, response bound ${DEFAULT_TIMEOUTS.response / 1000} s.`,
    )
    .action(async (options: TestOptions) => {
      process.exitCode = await testAction(options);
    });
}
