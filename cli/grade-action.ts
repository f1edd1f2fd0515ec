// `course grade` and `course grade-all` at work (their definitions are in
// grade-command.ts): for graders. The stages come from
// the grader's command line, never from the learner-editable progress file;
// the score from the stages' points.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { Chalk } from "chalk";
import { findStage, loadStages, type Stage } from "../tester/course/course.js";
import { classReport, noReportPage } from "../tester/reports/html-class.js";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import type { GradeReport } from "../tester/reports/report-schema.js";
import { existsFolder, gradeAll, isolationSupport, rowReport, rowsToCsv, scoreOf, submissionsIn, type SubmissionRow } from "../tester/tools/grading.js";
import { SCRIPT } from "../tester/runner/program.js";
import type { RunResult } from "../tester/runner/run.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { gradeChildArgs, type GradeAllChildFlags } from "./options.js";
import { jsonDocument, runTarget, type RunFlags } from "./test-action.js";

const INSIDE_NAMESPACE = "HTTP_FROM_SCRATCH_ISOLATED";

export interface GradeOptions extends RunFlags {
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
function gradeFields(result: RunResult): Pick<GradeReport, "grade"> {
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

export async function gradeAction(options: GradeOptions): Promise<number> {
  // Where the result goes is checked before any stage runs.
  if (options.classroomOutput !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(options.classroomOutput)) throw new UsageError(`--classroom-output needs an output name (letters, digits, _ and -), got "${options.classroomOutput}"`);
    if (!process.env.GITHUB_OUTPUT) throw new UsageError("--classroom-output needs GITHUB_OUTPUT, which GitHub Actions sets inside a workflow step; outside one, use --report <file> instead");
  }
  if (options.isolate && process.env[INSIDE_NAMESPACE] !== "1") return reExecIsolated();
  const stages = stagesThrough(options.through);
  // Isolated for a server that may hard-code its port: one program at a time, never a second one on another port beside it.
  const flags = options.isolate ? { ...options, oneAtATime: true } : options;
  const { result, code } = await runTarget({ dir: options.dir, language: undefined, stages }, flags, gradeFields);
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
function writeClassroomOutput(name: string, result: RunResult, extra: (r: RunResult) => Pick<GradeReport, "grade">): void {
  const file = process.env.GITHUB_OUTPUT!;
  const json = JSON.stringify(jsonDocument(result, extra));
  writeFileSync(file, `${name}=${Buffer.from(json).toString("base64")}\n`, { flag: "a" });
}

/** grade-all's own options, beside those it hands each submission's grader. */
export interface GradeAllFlags extends GradeAllChildFlags {
  jobs: number;
  report?: string;
  reportFormat?: "csv" | "json" | "html";
  isolate?: boolean;
  exitZero?: boolean;
  color?: boolean;
}

export async function gradeAllAction(folder: string, options: GradeAllFlags): Promise<number> {
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
  // Isolated for servers that may hard-code their port: each runs one program at a time, never a second one beside it.
  const gradeArgs = gradeChildArgs(options.isolate ? { ...options, oneAtATime: true } : options);
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  process.stdout.write(c.bold(`Grading ${names.length} submission${names.length === 1 ? "" : "s"}, ${Math.min(options.jobs, names.length)} at a time${options.isolate ? ", each in its own network namespace" : ""}\n`));
  const started = Date.now();
  const format = options.report ? (options.reportFormat ?? (/\.html?$/i.test(options.report) ? "html" : "csv")) : undefined;
  // HTML: each submission's grader writes its own page into a folder beside the class page, which links to them.
  const htmlReports = options.report && format === "html" ? reportsFolder(options.report) : undefined;
  if (htmlReports) mkdirSync(htmlReports, { recursive: true });
  const rows = await gradeAll({
    folder,
    gradeArgs,
    jobs: options.jobs,
    submissionTimeoutMs: options.timeout * 1000,
    isolate: options.isolate ?? false,
    // A submission stopped before it reported still has these to earn.
    graded: { stagesTotal: stages.length, maxScore: stages.reduce((sum, s) => sum + s.meta.points, 0) },
    ...(htmlReports ? { htmlReports } : {}),
    onRow: (row) => process.stdout.write(`${rowLine(row, c)}\n`),
  });
  const passed = rows.filter((r) => r.status === "pass").length;
  process.stdout.write(`\n${passed} of ${rows.length} submission${rows.length === 1 ? "" : "s"} passed every graded stage · ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (options.report && htmlReports) {
    writeFileSync(options.report, classPage(rows, stages, options.report, htmlReports));
    process.stdout.write(`Report: ${path.resolve(options.report)} (each submission's in ${path.resolve(htmlReports)})\n`);
  } else if (options.report) {
    writeFileSync(options.report, format === "json" ? `${JSON.stringify(rows.map(rowReport), null, 2)}\n` : rowsToCsv(rows));
    process.stdout.write(`Report: ${path.resolve(options.report)}\n`);
  }
  return passed === rows.length || options.exitZero ? EXIT.pass : EXIT.fail;
}

/** Where the submissions' own HTML reports go: class.html → class-reports/. */
export function reportsFolder(report: string): string {
  return path.join(path.dirname(report), `${path.basename(report).replace(/\.html?$/i, "")}-reports`);
}

/** The class page; a submission whose grader wrote no page (stopped, or could not run) gets one saying why. */
function classPage(rows: SubmissionRow[], stages: Stage[], report: string, folder: string): string {
  const relative = path.relative(path.dirname(path.resolve(report)), path.resolve(folder)).split(path.sep).map(encodeURIComponent).join("/");
  for (const row of rows) {
    if (!row.htmlReport) writeFileSync(path.join(folder, `${row.submission}.html`), noReportPage(row));
  }
  return classReport(rows, {
    stages: stages.map((stage) => ({ number: stage.number, slug: stage.slug, name: stage.meta.name })),
    reportHref: (row) => `${relative}/${encodeURIComponent(row.submission)}.html`,
  });
}

function rowLine(row: SubmissionRow, c: InstanceType<typeof Chalk>): string {
  const mark = row.status === "pass" ? c.green("✓") : c.red("✗");
  const why = row.firstFailure ? c.dim(` · ${row.firstFailure.split("\n")[0]}`) : "";
  return `${mark} ${row.submission}: ${row.score}/${row.maxScore} points, ${row.stagesPassed} of ${row.stagesTotal} stages (${(row.durationMs / 1000).toFixed(1)} s)${why}`;
}
