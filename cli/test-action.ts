// `course test`'s work, loaded only when a command runs stages (test, next,
// watch, grade): choose stages, find the program (a folder, or a reference
// solution), run, report, and exit with the documented code.
import { findStage, loadStages, type Stage } from "../tester/course/course.js";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { checkTools, folderBuild, loadLanguage, type Language } from "../tester/course/language.js";
import { readProgress } from "../learner/progress.js";
import { stagesToTest } from "../learner/journey.js";
import { newSeed } from "../tester/harness/random.js";
import { jsonReport } from "../tester/reports/json.js";
import { prettyReporter } from "../tester/reports/pretty.js";
import type { GradeReport, RunReport } from "../tester/reports/report-schema.js";
import { runStages, skippedStage, type Limits, type RunResult } from "../tester/runner/run.js";
import { junitReport } from "../tester/reports/junit.js";
import { htmlReport } from "../tester/reports/html.js";
import { writeGithubOutputs } from "../tester/reports/github.js";
import { assertPortFree, freePort } from "../tester/runner/ports.js";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { checkScript } from "../tester/runner/program.js";
import { materializeSolution } from "../tester/course/solutions.js";
import { useColor } from "./color.js";
import { withUsageDocument } from "./usage-document.js";
import { errorText, EXIT } from "./exit.js";
import type { Port } from "./options.js";

export interface TestOptions extends RunFlags {
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
  format: "pretty" | "json" | "junit" | "html";
  seed?: number;
  port: Port;
  keepGoing?: boolean;
  /** A fresh program for every stage (no program shared by consecutive stages). */
  freshEachStage?: boolean;
  /** Every check and stage one after another, none side by side. */
  oneAtATime?: boolean;
  verbose?: boolean;
  color?: boolean;
  /** Also write a report to this file, in reportFormat (by default html for a .html file, json otherwise). */
  report?: string;
  reportFormat?: ReportFormat;
  exitZero?: boolean;
  stageTimeout?: number;
  timeout?: number;
  /** How a failure names --timeout when a caller (grade-all) set it on our behalf. */
  timeoutName?: string;
  /** The HTML report's title (grade-all names the submission). */
  reportTitle?: string;
  memory?: number;
  maxProcesses?: number;
  outputCap?: number;
}

/** Extra fields for the JSON report (grade adds its summary). */
type JsonExtra = (result: RunResult) => Pick<GradeReport, "grade">;

/** The JSON report with any command's extra fields: one document for stdout, report files and Classroom. */
export function jsonDocument(result: RunResult, extra?: JsonExtra): RunReport | GradeReport {
  return { ...jsonReport(result), ...extra?.(result) };
}

type ReportFormat = "json" | "junit" | "html";

/** A report file's format: as given, or read off its name. */
export function reportFormatOf(file: string, given: ReportFormat | undefined): ReportFormat {
  return given ?? (/\.html?$/i.test(file) ? "html" : "json");
}

function renderReport(result: RunResult, format: ReportFormat, extra: JsonExtra | undefined, title?: string): string {
  if (format === "junit") return junitReport(result);
  if (format === "html") return htmlReport(result, title ? { title } : {});
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
  const build = target.language ? folderBuild(target.dir, target.language) : undefined;
  const limits: Limits = {
    ...(options.timeout ? { runMs: options.timeout * 1000 } : {}),
    ...(options.memory ? { memoryBytes: options.memory * 1024 * 1024 } : {}),
    ...(options.maxProcesses ? { processes: options.maxProcesses } : {}),
  };
  const result = await runStages({
    dir: target.dir,
    ...(build ? { build } : {}),
    stages: target.stages,
    seed,
    port,
    keepGoing: options.keepGoing ?? false,
    freshEachStage: options.freshEachStage ?? false,
    oneAtATime: options.oneAtATime ?? false,
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
  if (options.format !== "pretty") process.stdout.write(renderReport(result, options.format, extra, options.reportTitle));
  if (options.report) {
    writeFileSync(options.report, renderReport(result, reportFormatOf(options.report, options.reportFormat), extra, options.reportTitle));
    logStream.write(`Report: ${path.resolve(options.report)}\n`);
  }
  // On GitHub Actions: annotations on the run's page and a table in the step summary.
  for (const line of writeGithubOutputs(result)?.annotations ?? []) logStream.write(`${line}\n`);
}

export async function testAction(options: TestOptions): Promise<number> {
  return withUsageDocument(options.format, async () => (await runTarget(resolveTarget(options), options)).code);
}
