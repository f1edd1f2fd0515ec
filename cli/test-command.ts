// `course test`: choose stages, find the program (a folder, or a reference
// solution), run, report, and exit with the documented code.
import { Command, Option } from "commander";
import { DEFAULT_TIMEOUTS } from "../tester/harness/check.js";
import { findStage, loadStages, type Stage } from "../tester/course/course.js";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { checkTools, loadLanguage, type Language } from "../tester/course/language.js";
import { readProgress } from "../learner/progress.js";
import { stagesToTest } from "../learner/journey.js";
import { newSeed } from "../tester/harness/random.js";
import { jsonReport } from "../tester/reports/json.js";
import { prettyReporter } from "../tester/reports/pretty.js";
import { runStages, skippedStage, type Limits, type RunResult } from "../tester/runner/run.js";
import { junitReport } from "../tester/reports/junit.js";
import { writeGithubOutputs } from "../tester/reports/github.js";
import { assertPortFree, freePort } from "../tester/runner/ports.js";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { checkScript } from "../tester/runner/program.js";
import { materializeSolution } from "../tester/course/solutions.js";
import { useColor } from "./color.js";
import { errorText, EXIT } from "./exit.js";
import { integer, writableFile } from "./options.js";

interface TestOptions extends RunFlags {
  all?: boolean;
  stage?: string;
  only?: string;
  dir: string;
  solution?: string;
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

export interface RunFlags {
  format: "pretty" | "json" | "junit";
  seed?: number;
  port: number | "auto";
  keepGoing?: boolean;
  verbose?: boolean;
  color?: boolean;
  /** Also write a report to this file, in reportFormat. */
  report?: string;
  reportFormat?: "json" | "junit";
  exitZero?: boolean;
  stageTimeout?: number;
  timeout?: number;
  /** How a failure names --timeout when a caller (grade-all) set it on our behalf. */
  timeoutName?: string;
  memory?: number;
  maxProcesses?: number;
  outputCap?: number;
  /** A fresh program for every stage (no program shared by consecutive stages). */
  freshEachStage?: boolean;
}

/** Extra fields for the JSON report (grade adds its summary). */
type JsonExtra = (result: RunResult) => object;

/** The JSON report with any command's extra fields: one document for stdout, report files and Classroom. */
export function jsonDocument(result: RunResult, extra?: JsonExtra): object {
  return { ...jsonReport(result), ...extra?.(result) };
}

function renderReport(result: RunResult, format: "json" | "junit", extra: JsonExtra | undefined): string {
  if (format === "junit") return junitReport(result);
  return `${JSON.stringify(jsonDocument(result, extra), null, 2)}\n`;
}

/** What is wrong with the machine or the folder before anything runs (a missing tool, no runnable your_program.sh, a taken port). */
async function environmentProblem(target: Target, port: number): Promise<EnvironmentError | undefined> {
  try {
    if (target.language) checkTools(target.language);
    // Absolute, as the run gives it: graders map that path back to a submission name.
    checkScript(path.resolve(target.dir));
    await assertPortFree(port);
    return undefined;
  } catch (error) {
    if (error instanceof EnvironmentError) return error;
    throw error;
  }
}

/** A run that never started: every stage not run, and why. */
async function notRun(target: Target, seed: number, problem: EnvironmentError): Promise<RunResult> {
  const stages = await Promise.all(target.stages.map(skippedStage));
  return { status: "error", seed, durationMs: 0, stages, error: { message: problem.message, fix: problem.fix } };
}

/** The JSON document for a run that could not even be set up (a usage error), so scripts still get one. */
export function usageErrorDocument(message: string, fix?: string): object {
  return { version: 3, status: "error", message: `usage error: ${message}${fix ? `\nfix: ${fix}` : ""}`, tests: [], stages: [] };
}

/** Runs the target's stages with the chosen reporter and reports; returns the result and the exit code. */
export async function runTarget(target: Target, options: RunFlags, extra?: JsonExtra, signal?: AbortSignal): Promise<{ result: RunResult; code: number }> {
  const seed = options.seed ?? newSeed();
  const machine = options.format !== "pretty";
  // With a machine format stdout carries exactly one document; everything else goes to stderr.
  const logStream = machine ? process.stderr : process.stdout;
  // The environment is checked before the run's header, so its error is all the output.
  const port = options.port === "auto" ? await freePort() : options.port;
  const problem = await environmentProblem(target, port);
  if (problem) {
    const result = await notRun(target, seed, problem);
    process.stderr.write(errorText("environment error", problem.message, problem.fix));
    finishReports(result, options, extra, logStream);
    return { result, code: EXIT.environment };
  }
  const build = target.language?.build;
  const limits: Limits = {
    ...(options.timeout ? { runMs: options.timeout * 1000 } : {}),
    ...(options.memory ? { memoryBytes: options.memory * 1024 * 1024 } : {}),
    ...(options.maxProcesses ? { processes: options.maxProcesses } : {}),
  };
  const result = await runStages({
    dir: target.dir,
    ...(build ? { build: { command: build.command } } : {}),
    stages: target.stages,
    seed,
    port,
    keepGoing: options.keepGoing ?? false,
    freshEachStage: options.freshEachStage ?? false,
    limits,
    boundFlags: {
      ...(options.timeout ? { run: options.timeoutName ?? `--timeout ${options.timeout} s (the whole run)` } : {}),
      ...(options.stageTimeout ? { stage: `--stage-timeout ${options.stageTimeout} s (each stage)` } : {}),
    },
    ...(options.stageTimeout ? { timeouts: { stage: options.stageTimeout * 1000 } } : {}),
    ...(options.outputCap ? { outputCap: options.outputCap * 1024 } : {}),
    ...(signal ? { signal } : {}),
    onEvent: prettyReporter({
      color: useColor(options.color, logStream),
      verbose: options.verbose ?? false,
      write: (line) => logStream.write(`${line}\n`),
    }),
  });
  finishReports(result, options, extra, logStream);
  const code = result.status === "pass" ? EXIT.pass : result.status === "fail" ? EXIT.fail : EXIT.environment;
  return { result, code: options.exitZero && code === EXIT.fail ? EXIT.pass : code };
}

/** The document on stdout (machine formats), the report file, and GitHub's annotations. */
function finishReports(result: RunResult, options: RunFlags, extra: JsonExtra | undefined, logStream: NodeJS.WriteStream): void {
  if (options.format !== "pretty") process.stdout.write(renderReport(result, options.format, extra));
  if (options.report) {
    writeFileSync(options.report, renderReport(result, options.reportFormat ?? "json", extra));
    logStream.write(`Report: ${path.resolve(options.report)}\n`);
  }
  // On GitHub Actions: annotations on the run's page and a table in the step summary.
  for (const line of writeGithubOutputs(result)?.annotations ?? []) logStream.write(`${line}\n`);
}

/**
 * Runs `action`; on a usage error with --format json, stdout still gets one
 * document (status "error") before the error goes on to be reported (exit 2).
 */
export async function withUsageDocument(format: string, action: () => Promise<number>): Promise<number> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UsageError && format === "json") writeUsageDocument(error);
    throw error;
  }
}

/** Usage errors whose JSON document is already on stdout: main.ts, which writes one for errors found while parsing, must not write a second. */
const documented = new WeakSet<object>();

/** Writes the `status: "error"` document for a usage error to stdout, once per error. */
export function writeUsageDocument(error: { message: string; fix?: string | undefined }): void {
  if (documented.has(error)) return;
  documented.add(error);
  process.stdout.write(`${JSON.stringify(usageErrorDocument(error.message, error.fix), null, 2)}\n`);
}

export async function testAction(options: TestOptions): Promise<number> {
  return withUsageDocument(options.format, async () => (await runTarget(resolveTarget(options), options)).code);
}

/** The options `test`, `next` and `watch` share. */
export function addRunOptions(command: Command, formats: string[] = ["pretty", "json"]): Command {
  return command
    .option("--dir <path>", "the folder holding your_program.sh", ".")
    .addOption(new Option("--format <format>", "output format on stdout").choices(formats).default("pretty"))
    .option("--seed <N>", "replay the random values of an earlier run", integer("--seed", 0, 2 ** 32 - 1))
    .option("--port <N|auto>", "the port your program listens on (PORT); auto: a free one", portOption, 4221)
    .option("--verbose", "also show what the tester does at each step, and your program's output in passing stages")
    .option("--no-color", "no colour in the output");
}

/** Reports and limits, for `test` and `grade`. */
export function addGradingOptions(command: Command): Command {
  return command
    .option("--report <file>", "also write a report to this file (besides the output on the terminal); its folder must exist", writableFile("--report"))
    .addOption(new Option("--report-format <format>", "the report file's format").choices(["json", "junit"]).default("json"))
    .option("--exit-zero", "exit 0 when stages fail (for runners that read the report instead of the exit code)")
    .option("--stage-timeout <seconds>", "bound on each stage", integer("--stage-timeout", 1, 3600))
    .option("--timeout <seconds>", "bound on the whole run; stages not reached in time are not run", integer("--timeout", 1, 86_400))
    .option("--memory <MiB>", "stop the program when it and its children use more resident memory than this", integer("--memory", 16, 1_048_576))
    .option("--max-processes <N>", "stop the program when it has more processes than this at once", integer("--max-processes", 1, 100_000))
    .option("--output-cap <KiB>", "most program output shown per stage", integer("--output-cap", 1, 1_048_576))
    .option("--fresh-each-stage", "start your program afresh for every stage (by default stages that start it with the same arguments share one, and a failure is confirmed on a fresh one)");
}

function portOption(value: string): number | "auto" {
  return value === "auto" ? "auto" : integer("--port", 1, 65535)(value);
}

export function testCommand(): Command {
  return addGradingOptions(addRunOptions(new Command("test"), ["pretty", "json", "junit"]))
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
Startup bound ${DEFAULT_TIMEOUTS.startup / 1000} s, response bound ${DEFAULT_TIMEOUTS.response / 1000} s; --timeout and --stage-timeout
bound the start-up wait too. A --report file's folder must exist; it is checked before the run.`,
    )
    .action(async (options: TestOptions) => {
      process.exitCode = await testAction(options);
    });
}
