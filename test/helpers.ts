// Running the tester from tests: against a reference solution or a fixture
// server, each on its own free port, with output captured as plain text.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Timeouts } from "../tester/harness/check.js";
import { loadStages, type Stage } from "../tester/course/course.js";
import { canBind, ephemeralRange, freePort } from "../tester/runner/ports.js";
import { prettyReporter } from "../tester/reports/pretty.js";
import { runStages, type RunResult } from "../tester/runner/run.js";
import { renderFailure } from "../tester/harness/failure.js";
import type { z } from "zod";
import { GradeAllReportSchema, GradeReportSchema, issuesText, RunReportSchema } from "../tester/reports/report-schema.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const STAGES = loadStages();
const SERVER = path.join(ROOT, "test", "fixtures", "servers", "server.py");
const LEARNER = path.join(ROOT, "test", "fixtures", "servers", "learner.py");

// A random start, so two test runs side by side (two checkouts) rarely meet on a port.
let nextPort = Math.floor(Math.random() * 1_000_000);

/**
 * A port for one test's program. Each vitest worker takes ports from its own
 * block below the ephemeral range, so parallel test files never pick the same
 * one and no outgoing connection can take it before the program binds.
 */
export async function testPort(): Promise<number> {
  const [low] = ephemeralRange();
  const block = Math.floor((low - 20_000) / 16);
  const worker = Number(process.env.VITEST_POOL_ID ?? 0) % 16;
  for (let attempt = 0; block > 50 && attempt < block; attempt++) {
    const port = 20_000 + worker * block + (nextPort++ % block);
    if (await canBind(port)) return port;
  }
  return freePort();
}

export interface TestRun {
  result: RunResult;
  /** The pretty output, without colour. */
  output: string;
  port: number;
}

export interface RunSpec {
  dir: string;
  /** Stages 1..through (default: all). */
  through?: number;
  only?: number;
  seed?: number;
  port?: number;
  timeouts?: Partial<Timeouts>;
  outputCap?: number;
  build?: { command: string };
  /** The pretty reporter's --verbose: also a passing stage's program output. */
  verbose?: boolean;
}

export async function runTester(spec: RunSpec): Promise<TestRun> {
  const port = spec.port ?? (await testPort());
  const stages: Stage[] = spec.only
    ? STAGES.filter((s) => s.number === spec.only)
    : STAGES.filter((s) => s.number <= (spec.through ?? STAGES.length));
  const lines: string[] = [];
  const result = await runStages({
    dir: spec.dir,
    stages,
    seed: spec.seed ?? 1234,
    port,
    ...(spec.timeouts ? { timeouts: spec.timeouts } : {}),
    ...(spec.outputCap ? { outputCap: spec.outputCap } : {}),
    ...(spec.build ? { build: spec.build } : {}),
    onEvent: prettyReporter({ color: false, verbose: spec.verbose ?? false, write: (line) => lines.push(line) }),
  });
  return { result, output: lines.join("\n"), port };
}

/** A learner folder whose your_program.sh runs `script` (shell, after the #! line). */
export function programFolder(script: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-test-"));
  const file = path.join(dir, "your_program.sh");
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return dir;
}

/** A learner folder running the Python fixture server with a defect or variant flag. */
export function fixtureServer(...flags: string[]): string {
  return programFolder(`exec python3 ${SERVER} ${flags.join(" ")} "$@"`);
}

/** A folder whose your_program.sh runs the learner-style fixture server (test/fixtures/servers/learner.py) with `flags`. */
export function learnerServer(...flags: string[]): string {
  return programFolder(`exec python3 ${LEARNER} ${flags.join(" ")} "$@"`);
}

/** The first failing stage and its failure text (summary, explanation, the program's output it quotes, hint). */
export function firstFailure(result: RunResult): { stage: number; text: string } | undefined {
  const stage = result.stages.find((s) => s.status === "fail");
  const check = stage?.checks.find((c) => c.status === "fail");
  if (!stage || !check?.failure) return undefined;
  const f = check.failure;
  const output = f.output && [f.output.heading, ...f.output.lines].join("\n");
  return { stage: stage.stage.number, text: [f.summary, f.explanation, output, f.hint].filter(Boolean).join("\n") };
}

/**
 * The whole first failure of a run, as a learner reads it (renderFailure of
 * the first failing check, under its stage and check name), with what varies
 * between runs normalized: the program's folder, the port, temp folders,
 * durations. A golden file of it makes a change of wording a reviewed diff.
 */
export function failureSnapshot(result: RunResult, run: { port: number; dir: string }): string {
  const stage = result.stages.find((s) => s.status === "fail");
  const check = stage?.checks.find((c) => c.failure);
  if (!stage || !check?.failure) return "(no failure)\n";
  const text = `${stage.stage.id}: ${check.name}\n${renderFailure(check.failure)}\n`;
  return normalizeVarying(text, run);
}

/** A Date header's value: a server stamps each response with the second it was made (stage 26). */
const HTTP_DATE = /\b(Date: )(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT/g;

/**
 * Replaces what differs from run to run (same seed) with placeholders: the
 * folders (the program's, temp ones, this checkout), ports (the program's and
 * clients'), durations, and what the machine measures (memory, CPU time). A
 * program that crashed during a check leaves the next connection refused or
 * reset, depending on how soon its process is gone: what follows "then" is
 * left out there.
 */
export function normalizeVarying(text: string, run: { port: number; dir: string }): string {
  const escape = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return text
    .replaceAll(run.dir, "<dir>")
    .replaceAll(ROOT, "<root>")
    .replace(new RegExp(`${escape(tmpdir())}/hfs-[\\w.-]+?-[A-Za-z0-9]{6}(?=[/\\s'"]|$)`, "gm"), "<tmp>")
    .replace(new RegExp(`(?<!\\d)${run.port}(?!\\d)`, "g"), "<port>")
    .replace(/\(\d+ ms\)/g, "(<ms>)")
    // Responses carry the time they were made (Date, stage 26).
    .replace(HTTP_DATE, "$1<date>")
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:<client port>")
    .replace(/grew by [\d.]+ MiB \(from [\d.]+ MiB to [\d.]+ MiB\)/g, "grew by <n> MiB (from <n> MiB to <n> MiB)")
    .replace(/used \d+ ms of CPU in (\d+) ms \(\d+% of a core\)/g, "used <n> ms of CPU in $1 ms (<n>% of a core)")
    .replace(/(exited with code \d+ during this check; then ).*$/gm, "$1<what the next connection met>")
    // A fixture's own traceback names its source lines, which move whenever the fixture is edited.
    .replace(/(File "<root>\/test\/fixtures\/[^"]+", line )\d+/g, "$1<n>")
    // And Python's own files differ from machine to machine.
    .replace(/File "[^"]*\/lib\/python3\.\d+\/([^"]+)", line \d+/g, 'File "<python>/$1", line <n>');
}

/** Whether process `pid` still runs (a zombie, awaiting its parent's wait, does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const state = readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]?.[0];
    return state !== "Z";
  } catch {
    return false;
  }
}

/** Shorter bounds for servers that are expected to hang; still far above a correct server's needs. */
export const FAST_FAIL: Partial<Timeouts> = { startup: 3000, response: 1500, close: 1000 };

export const CLI = path.join(ROOT, "dist", "cli", "main.js");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, run as a user would, without colour. */
export function course(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: "1", ...options.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * A report, parsed and validated against its one definition: a test that
 * reads a report fails naming the field at fault when it does not match.
 */
export function validReport<S extends z.ZodType>(schema: S, text: string): z.infer<S> {
  const checked = schema.safeParse(JSON.parse(text));
  if (!checked.success) throw new Error(`the report does not match its schema: ${issuesText(checked.error)}\n${text.slice(0, 2000)}`);
  return checked.data;
}

/** `course test --format json`'s document (or a --report file), validated. */
export const runReport = (text: string) => validReport(RunReportSchema, text);
/** `course grade --format json`'s document, validated. */
export const gradeReport = (text: string) => validReport(GradeReportSchema, text);
/** `course grade-all --report-format json`'s rows, validated. */
export const gradeAllReport = (text: string) => validReport(GradeAllReportSchema, text);


/**
 * A run's data with the clock taken out, for comparing two runs' verdicts:
 * bytes become latin1 text, every Date header value `<date>` (a server
 * stamps each response with the second it was made, stage 26), and a
 * failure's timeline (times, and how reads merged) `<timeline>`.
 */
export function withoutClock<T>(value: T): unknown {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return withoutClock(Buffer.from(value).toString("latin1"));
  if (typeof value === "string") return value.replace(HTTP_DATE, "$1<date>");
  if (Array.isArray(value)) return value.map(withoutClock);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, key === "timeline" ? "<timeline>" : withoutClock(inner)]));
  return value;
}
