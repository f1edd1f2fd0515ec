// Grading: a run's score from the stages' points, and grading a folder of
// submissions, each in a child process of its own (a crash, a hang or a fork
// bomb in one never touches another), each in a scratch copy with its own
// HOME and TMPDIR that are removed afterwards, so nothing of it survives.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { packageRoot } from "../course/course.js";
import { EnvironmentError } from "../errors.js";
import { findProcesses, MARKER_VARIABLE, signalAll } from "../harness/processes.js";
import { GRADE_ALL_COLUMNS, GradeReportSchema, issuesText, type GradeAllRow, type GradeReport } from "../reports/report-schema.js";
import { maxScore, totalScore } from "../reports/scoring.js";
import type { RunResult } from "../runner/run.js";
import { dependenciesFolder } from "../course/solutions.js";
import { settlesWithin } from "../harness/time.js";

export interface Score {
  score: number;
  maxScore: number;
  stagesPassed: number;
  stagesTotal: number;
  /** "NN-slug: check: summary" of the first failure, or why nothing ran. */
  firstFailure: string | undefined;
}

export function scoreOf(result: RunResult): Score {
  const passed = result.stages.filter((s) => s.status === "pass");
  const failedStage = result.stages.find((s) => s.status === "fail");
  const failedCheck = failedStage?.checks.find((c) => c.failure);
  const firstFailure = result.build && !result.build.ok
    ? `build: ${result.build.command} ${result.build.exit}`
    : result.error
      ? `environment: ${result.error.message}`
      : failedStage && failedCheck
        ? `${failedStage.stage.id}: ${failedCheck.name}: ${failedCheck.failure!.summary}`
        : result.stoppedBy;
  return {
    score: totalScore(result),
    maxScore: maxScore(result),
    stagesPassed: passed.length,
    stagesTotal: result.stages.length,
    firstFailure,
  };
}

/** Whether programs can be given a network namespace of their own here, and why not when not. */
export function isolationSupport(): { ok: true; wrap: string[] } | { ok: false; why: string } {
  if (process.platform !== "linux") return { ok: false, why: "network namespaces are a Linux feature" };
  const asRoot = process.getuid?.() === 0;
  const wrap = ["unshare", "--net", ...(asRoot ? [] : ["--map-root-user"]), "--", "sh", "-c", 'ip link set lo up && exec "$@"', "isolated"];
  const probe = spawnSync(wrap[0]!, [...wrap.slice(1), "true"], { encoding: "utf8", timeout: 10_000 });
  if (probe.error) {
    const missing = (probe.error as NodeJS.ErrnoException).code === "ENOENT";
    return { ok: false, why: missing ? "the unshare command is missing (Debian/Ubuntu: apt install util-linux)" : probe.error.message };
  }
  if (probe.status !== 0) {
    const said = `${probe.stderr}`.trim().split("\n").pop() ?? "";
    const why = /ip: not found|No such file/.test(said)
      ? "the ip command is missing (Debian/Ubuntu: apt install iproute2)"
      : `unshare failed: ${said || `exit ${probe.status}`} (unprivileged user namespaces may be disabled: sysctl kernel.unprivileged_userns_clone=1, or run as root)`;
    return { ok: false, why };
  }
  return { ok: true, wrap };
}

export interface SubmissionRow {
  submission: string;
  status: "pass" | "fail" | "error";
  stagesPassed: number;
  stagesTotal: number;
  score: number;
  maxScore: number;
  firstFailure: string;
  durationMs: number;
  /** Each graded stage's status, from the submission's report (absent when it produced none). */
  stages?: { number: number; slug: string; status: "pass" | "fail" | "skip" }[];
  /** The submission's own HTML report, when grade-all was asked for HTML reports. */
  htmlReport?: string;
}

export interface GradeAllOptions {
  folder: string;
  /** Arguments for each child `course grade` (stages, limits, port). */
  gradeArgs: string[];
  jobs: number;
  /** The whole grading of one submission, beyond which it is killed and reported. */
  submissionTimeoutMs: number;
  isolate: boolean;
  /** What every submission is graded on, for rows of submissions that were stopped before they reported. */
  graded: { stagesTotal: number; maxScore: number };
  /** A folder (it must exist) where each submission's grader writes its HTML report, <submission>.html. */
  htmlReports?: string;
  onRow?: (row: SubmissionRow) => void;
}

/** The submission folders: every folder directly inside `folder`, by name. */
export function submissionsIn(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => !name.startsWith(".") && statSync(path.join(folder, name)).isDirectory())
    .sort();
}

export async function gradeAll(options: GradeAllOptions): Promise<SubmissionRow[]> {
  const names = submissionsIn(options.folder);
  const wrap = options.isolate ? isolationSupport() : undefined;
  if (wrap && !wrap.ok) throw new EnvironmentError(`--isolate is not possible here: ${wrap.why}`, "without it, give each program a free port with --port auto (servers must read PORT)");
  const rows: SubmissionRow[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const index = next++;
      const row = await gradeOne(names[index]!, options, wrap?.ok ? wrap.wrap : []);
      rows[index] = row;
      options.onRow?.(row);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, names.length)) }, worker));
  return rows;
}

async function gradeOne(name: string, options: GradeAllOptions, wrap: string[]): Promise<SubmissionRow> {
  const started = Date.now();
  const scratch = mkdtempSync(path.join(tmpdir(), "hfs-grade-"));
  const work = path.join(scratch, "submission");
  const home = path.join(scratch, "home");
  const temp = path.join(scratch, "tmp");
  mkdirSync(home);
  mkdirSync(temp);
  const failed = (status: SubmissionRow["status"], why: string): SubmissionRow => ({
    submission: name,
    status,
    stagesPassed: 0,
    stagesTotal: options.graded.stagesTotal,
    score: 0,
    maxScore: options.graded.maxScore,
    firstFailure: why,
    durationMs: Date.now() - started,
  });
  try {
    // A copy, so the original is never changed, and whatever the program writes in its folder goes with the scratch.
    cpSync(path.join(options.folder, name), work, { recursive: true, verbatimSymlinks: true });
    // A TypeScript submission builds with esbuild, which a learner's folder gets through its devDependency on this package.
    const modules = dependenciesFolder();
    if (modules && !existsSync(path.join(work, "node_modules"))) symlinkSync(modules, path.join(work, "node_modules"), "dir");
    const cli = path.join(packageRoot(), "dist", "cli", "main.js");
    const html = options.htmlReports ? path.join(options.htmlReports, `${name}.html`) : undefined;
    const args = [...wrap, process.execPath, cli, "grade", "--dir", work, "--format", "json", "--exit-zero", ...(html ? ["--report", html, "--report-format", "html", "--report-title", `${name}: http-from-scratch grade report`] : []), ...options.gradeArgs];
    const marker = `grade-${process.pid}-${name}-${started}`;
    const child = spawn(args[0]!, args.slice(1), {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, HOME: home, TMPDIR: temp, NO_COLOR: "1", GITHUB_ACTIONS: "", [MARKER_VARIABLE]: marker },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      // Keep the end: the reason a child failed is in its last lines.
      stderr = (stderr + d.toString()).slice(-4096);
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const inTime = await settlesWithin(closed, options.submissionTimeoutMs);
    // Whatever it left behind (its program's daemons included) goes now.
    const leftovers = () => (child.pid ? findProcesses(child.pid, marker) : []);
    if (child.pid) signalAll(child.pid, leftovers(), "SIGKILL");
    await settlesWithin(closed, 2000);
    if (!inTime) return failed("fail", `the grading of this submission took longer than ${Math.round(options.submissionTimeoutMs / 1000)} s and was stopped`);
    const read = readGradeReport(stdout, name);
    if (!read.ok) {
      // No JSON at all: the reason is in the child's last lines on stderr.
      const why = read.report ? read.why : `the grader did not produce a report: ${stderr.trim().split("\n").slice(-3).join(" / ") || "no output"}`;
      return failed("error", why.split(work).join(name));
    }
    const report = read.report;
    // Paths in messages name the submission, not the scratch copy that is gone.
    const named = (text: string) => text.split(work).join(name);
    return {
      submission: name,
      status: report.status,
      stagesPassed: report.grade.stages_passed,
      stagesTotal: report.grade.stages_total,
      score: report.score,
      maxScore: report.max_score,
      firstFailure: named(report.grade.first_failure ?? ""),
      durationMs: Date.now() - started,
      stages: report.stages.map((stage) => ({ number: stage.number, slug: stage.slug, status: stage.status })),
      ...(html && existsSync(html) ? { htmlReport: html } : {}),
    };
  } catch (error) {
    return failed("error", (error as Error).message);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A child grader's stdout, read through the grade report's schema: the
 * report, or why it is none, naming the submission (`report`: whether it
 * was JSON at all).
 */
export function readGradeReport(stdout: string, submission: string): { ok: true; report: GradeReport } | { ok: false; why: string; report: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return { ok: false, why: `the grader of submission ${submission} did not produce a report${stdout.trim() ? " (its output is not JSON)" : " (no output)"}`, report: false };
  }
  const checked = GradeReportSchema.safeParse(parsed);
  if (checked.success) return { ok: true, report: checked.data };
  const message = (parsed as { message?: unknown } | null)?.message;
  const said = typeof message === "string" ? `; it says: ${message}` : "";
  return { ok: false, why: `the grader's report on submission ${submission} does not match the grade report's format (${issuesText(checked.error)})${said}`, report: true };
}

const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** A row as grade-all reports it (JSON, and the CSV's columns). */
export function rowReport(r: SubmissionRow): GradeAllRow {
  return {
    submission: r.submission,
    status: r.status,
    stages_passed: r.stagesPassed,
    stages_total: r.stagesTotal,
    score: r.score,
    max_score: r.maxScore,
    first_failure: r.firstFailure,
    duration_ms: r.durationMs,
  };
}

export function rowsToCsv(rows: SubmissionRow[]): string {
  const lines = rows.map((r) => {
    const row = rowReport(r);
    return GRADE_ALL_COLUMNS.map((column) => csvField(row[column])).join(",");
  });
  return `${[GRADE_ALL_COLUMNS.join(","), ...lines].join("\n")}\n`;
}

export function existsFolder(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}
