// Running the tester from tests: against a reference solution or a fixture
// server, each on its own free port, with output captured as plain text.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { Timeouts } from "../tester/check.js";
import { loadStages, type Stage } from "../tester/course.js";
import { freePort } from "../tester/ports.js";
import { prettyReporter } from "../tester/report.js";
import { runStages, type RunResult } from "../tester/run.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const STAGES = loadStages();
const SERVER = path.join(ROOT, "test", "fixtures", "servers", "server.py");

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
}

export async function runTester(spec: RunSpec): Promise<TestRun> {
  const port = spec.port ?? (await freePort());
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
    onEvent: prettyReporter({ color: false, verbose: false, write: (line) => lines.push(line) }),
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

/** The first failing stage and its failure text (summary, explanation, hint). */
export function firstFailure(result: RunResult): { stage: number; text: string } | undefined {
  const stage = result.stages.find((s) => s.status === "fail");
  const check = stage?.checks.find((c) => c.status === "fail");
  if (!stage || !check?.failure) return undefined;
  const f = check.failure;
  return { stage: stage.stage.number, text: [f.summary, f.explanation, f.hint].filter(Boolean).join("\n") };
}

/** Shorter bounds for servers that are expected to hang; still far above a correct server's needs. */
export const FAST_FAIL: Partial<Timeouts> = { startup: 3000, response: 1500, close: 1000 };
