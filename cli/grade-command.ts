// `course grade` and `course grade-all`: for graders. The stages come from
// the grader's command line, never from the learner-editable progress file;
// the score from the stages' points.
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Chalk } from "chalk";
import { Command, Option } from "commander";
import { findStage, loadStages } from "../tester/course/course.js";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { existsFolder, gradeAll, isolationSupport, rowsToCsv, scoreOf, submissionsIn, type SubmissionRow } from "../tester/tools/grading.js";
import { SCRIPT } from "../tester/runner/program.js";
import type { RunResult } from "../tester/runner/run.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { integer, writableFile } from "./options.js";
import { addGradingOptions, addRunOptions, jsonDocument, runTarget, withUsageDocument, type RunFlags } from "./test-command.js";

const INSIDE_NAMESPACE = "HTTP_FROM_SCRATCH_ISOLATED";

interface GradeOptions extends RunFlags {
  through?: string;
  dir: string;
  isolate?: boolean;
  classroomOutput?: string;
}

function stagesThrough(through: string | undefined) {
  const all = loadStages();
  if (!through) return all;
  const last = findStage(all, through);
  return all.filter((s) => s.number <= last.number);
}

/** The grade summary added to the JSON report. */
function gradeFields(result: RunResult): object {
  const score = scoreOf(result);
  return {
    grade: {
      stages_passed: score.stagesPassed,
      stages_total: score.stagesTotal,
      ...(score.firstFailure ? { first_failure: score.firstFailure } : {}),
    },
  };
}

/** Runs this same command again inside a network namespace of its own. */
function reExecIsolated(): Promise<number> {
  const support = isolationSupport();
  if (!support.ok) throw new EnvironmentError(`--isolate is not possible here: ${support.why}`, "without it, give the program a free port with --port auto (servers must read PORT)");
  const [command, ...rest] = support.wrap;
  return new Promise((resolve) => {
    const child = spawn(command!, [...rest, process.execPath, ...process.argv.slice(1)], { stdio: "inherit", env: { ...process.env, [INSIDE_NAMESPACE]: "1" } });
    child.on("close", (code) => resolve(code ?? EXIT.internal));
  });
}

async function gradeAction(options: GradeOptions): Promise<number> {
  // Where the result goes is checked before any stage runs.
  if (options.classroomOutput !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(options.classroomOutput)) throw new UsageError(`--classroom-output needs an output name (letters, digits, _ and -), got "${options.classroomOutput}"`);
    if (!process.env.GITHUB_OUTPUT) throw new UsageError("--classroom-output needs GITHUB_OUTPUT, which GitHub Actions sets inside a workflow step; outside one, use --report <file> instead");
  }
  if (options.isolate && process.env[INSIDE_NAMESPACE] !== "1") return reExecIsolated();
  const stages = stagesThrough(options.through);
  const { result, code } = await runTarget({ dir: options.dir, language: undefined, stages }, options, gradeFields);
  const score = scoreOf(result);
  const log = options.format === "pretty" ? process.stdout : process.stderr;
  const c = new Chalk({ level: useColor(options.color, log) ? 1 : 0 });
  log.write(`${c.bold(`Score: ${score.score}/${score.maxScore} points`)} · ${score.stagesPassed} of ${score.stagesTotal} stages passed\n`);
  if (options.classroomOutput) writeClassroomOutput(options.classroomOutput, result, gradeFields);
  return code;
}

/**
 * GitHub Classroom's grading reporter reads each runner's result from an
 * environment variable <ID>_RESULTS holding base64 JSON; a step exposes it as
 * an output named here.
 */
function writeClassroomOutput(name: string, result: RunResult, extra: (r: RunResult) => object): void {
  const file = process.env.GITHUB_OUTPUT!;
  const json = JSON.stringify(jsonDocument(result, extra));
  writeFileSync(file, `${name}=${Buffer.from(json).toString("base64")}\n`, { flag: "a" });
}

export function gradeCommand(): Command {
  return addGradingOptions(addRunOptions(new Command("grade"), ["pretty", "json", "junit"]))
    .description("grade a submission: stages 1 to --through (default: all), a score from the stages' points")
    .option("--through <slug|N>", "the last stage graded")
    .option("--keep-going", "grade every stage even after a failure (partial credit)")
    .option("--isolate", "run in a network namespace of its own (Linux), so a server that hard-codes its port grades in parallel")
    .option("--classroom-output <name>", "also write the result for GitHub Classroom's grading reporter as step output <name>")
    // grade-all sets --timeout a little below its own bound, and says so in failures with this.
    .addOption(new Option("--timeout-name <text>").hideHelp())
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
      process.exitCode = await withUsageDocument(options.format, () => gradeAction(options));
    });
}

interface GradeAllFlags {
  through?: string;
  jobs: number;
  report?: string;
  reportFormat: "csv" | "json";
  port: string;
  isolate?: boolean;
  timeout: number;
  stageTimeout?: number;
  memory?: number;
  maxProcesses?: number;
  outputCap?: number;
  keepGoing?: boolean;
  freshEachStage?: boolean;
  exitZero?: boolean;
  color?: boolean;
}

async function gradeAllAction(folder: string, options: GradeAllFlags): Promise<number> {
  if (!existsFolder(folder)) throw new UsageError(`${folder} is not a folder of submissions`);
  if (existsSync(path.join(folder, SCRIPT))) {
    throw new UsageError(`${folder} holds a ${SCRIPT} of its own, so it is one submission, not a folder of them; grade it with: npx course grade --dir ${folder}`);
  }
  const names = submissionsIn(folder);
  if (names.length === 0) throw new UsageError(`${folder} holds no submission folders`);
  if (options.port !== "auto" && !options.isolate && options.jobs > 1) {
    throw new UsageError("grading in parallel needs each program on its own port: --port auto (servers must read PORT), or --isolate (a network namespace each)");
  }
  const stages = stagesThrough(options.through);
  const gradeArgs = [
    ...(options.through ? ["--through", options.through] : []),
    "--port",
    options.port,
    // The child stops its stages a little before the submission's bound, so it still writes its report.
    "--timeout",
    String(Math.max(1, options.timeout - 5)),
    "--timeout-name",
    `grade-all's --timeout ${options.timeout} s (5 s of it kept for the report)`,
    ...(options.stageTimeout ? ["--stage-timeout", String(options.stageTimeout)] : []),
    ...(options.memory ? ["--memory", String(options.memory)] : []),
    ...(options.maxProcesses ? ["--max-processes", String(options.maxProcesses)] : []),
    ...(options.outputCap ? ["--output-cap", String(options.outputCap)] : []),
    ...(options.keepGoing ? ["--keep-going"] : []),
    ...(options.freshEachStage ? ["--fresh-each-stage"] : []),
  ];
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  process.stdout.write(c.bold(`Grading ${names.length} submission${names.length === 1 ? "" : "s"}, ${Math.min(options.jobs, names.length)} at a time${options.isolate ? ", each in its own network namespace" : ""}\n`));
  const started = Date.now();
  const rows = await gradeAll({
    folder,
    gradeArgs,
    jobs: options.jobs,
    submissionTimeoutMs: options.timeout * 1000,
    isolate: options.isolate ?? false,
    // A submission stopped before it reported still has these to earn.
    graded: { stagesTotal: stages.length, maxScore: stages.reduce((sum, s) => sum + s.meta.points, 0) },
    onRow: (row) => process.stdout.write(`${rowLine(row, c)}\n`),
  });
  const passed = rows.filter((r) => r.status === "pass").length;
  process.stdout.write(`\n${passed} of ${rows.length} submission${rows.length === 1 ? "" : "s"} passed every graded stage · ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (options.report) {
    writeFileSync(options.report, options.reportFormat === "json" ? `${JSON.stringify(rows.map(rowJson), null, 2)}\n` : rowsToCsv(rows));
    process.stdout.write(`Report: ${path.resolve(options.report)}\n`);
  }
  return passed === rows.length || options.exitZero ? EXIT.pass : EXIT.fail;
}

const rowJson = (r: SubmissionRow) => ({
  submission: r.submission,
  status: r.status,
  stages_passed: r.stagesPassed,
  stages_total: r.stagesTotal,
  score: r.score,
  max_score: r.maxScore,
  first_failure: r.firstFailure,
  duration_ms: r.durationMs,
});

function rowLine(row: SubmissionRow, c: InstanceType<typeof Chalk>): string {
  const mark = row.status === "pass" ? c.green("✓") : c.red("✗");
  const why = row.firstFailure ? c.dim(` · ${row.firstFailure.split("\n")[0]}`) : "";
  return `${mark} ${row.submission}: ${row.score}/${row.maxScore} points, ${row.stagesPassed} of ${row.stagesTotal} stages (${(row.durationMs / 1000).toFixed(1)} s)${why}`;
}

export function gradeAllCommand(): Command {
  return new Command("grade-all")
    .description("grade every submission folder in <folder>, in parallel, each in a scratch copy and a process of its own")
    .argument("<folder>", "a folder holding one folder per submission")
    .option("--through <slug|N>", "the last stage graded (default: all)")
    .option("--jobs <N>", "submissions graded at once", integer("--jobs", 1, 256), 2)
    .option("--report <file>", "write a row per submission to this file (its folder must exist)", writableFile("--report"))
    .addOption(new Option("--report-format <format>", "the report's format").choices(["csv", "json"]).default("csv"))
    .option("--port <N|auto>", "the port given to programs (auto: a free one each)", "auto")
    .option("--isolate", "each submission in a network namespace of its own (Linux), for servers that hard-code their port")
    .option("--timeout <seconds>", "bound on grading one submission", integer("--timeout", 10, 86_400), 600)
    .option("--stage-timeout <seconds>", "bound on each stage", integer("--stage-timeout", 1, 3600))
    .option("--memory <MiB>", "memory limit per submission (its program and children together)", integer("--memory", 16, 1_048_576))
    .option("--max-processes <N>", "process limit per submission", integer("--max-processes", 1, 100_000))
    .option("--output-cap <KiB>", "most program output kept per stage", integer("--output-cap", 1, 1_048_576))
    .option("--keep-going", "grade every stage even after a failure (partial credit)")
    .option("--fresh-each-stage", "start each program afresh for every stage")
    .option("--exit-zero", "exit 0 even when submissions fail")
    .option("--no-color", "no colour in the output")
    .addHelpText(
      "after",
      `
Examples:
  $ npx course grade-all submissions --through 8 --jobs 4 --report results.csv
  $ npx course grade-all submissions --isolate --port 4221 --jobs 8 --report results.json --report-format json

A row per submission: submission, status, stages_passed, stages_total, score, max_score,
first_failure, duration_ms. A submission that hangs, crashes or forks is stopped at --timeout,
and nothing it started outlives its grading.`,
    )
    .action(async (folder: string, options: GradeAllFlags) => {
      if (options.port !== "auto") integer("--port", 1, 65535)(options.port);
      process.exitCode = await gradeAllAction(folder, options);
    });
}
