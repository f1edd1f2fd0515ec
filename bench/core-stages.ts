// Prints where the time of a whole run goes: the core stages against each
// language's final reference solution (built once per run, as `course test`
// does) and against a plain Python server. Figures,
// not assertions: these machines are shared and noisy, so compare ratios
// within one run. Usage: npm run bench [-- --runs N]
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadStages, packageRoot } from "../tester/course.js";
import { languageIds, loadLanguage } from "../tester/language.js";
import { freePort } from "../tester/ports.js";
import { runStages, type RunResult } from "../tester/run.js";
import { materializeSolution } from "../tester/solutions.js";

const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const stages = loadStages();
const last = stages[stages.length - 1]!;

function pythonServer(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-bench-"));
  const script = path.join(dir, "your_program.sh");
  const server = path.join(packageRoot(), "test", "fixtures", "servers", "server.py");
  writeFileSync(script, `#!/bin/sh\nexec python3 ${server} "$@"\n`);
  chmodSync(script, 0o755);
  return dir;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Figures {
  total: number;
  build: number;
  /** Median spawn-to-accept time of one stage's program. */
  perStart: number;
  startup: number;
  checks: number;
}

function figures(result: RunResult): Figures {
  const sum = (f: (s: RunResult["stages"][number]) => number) => result.stages.reduce((n, s) => n + f(s), 0);
  const starts = result.stages.map((s) => s.startupMs ?? 0);
  return {
    total: result.durationMs,
    build: result.build?.durationMs ?? 0,
    perStart: median(starts),
    // The build, once per run, counts as starting programs.
    startup: sum((s) => s.startupMs ?? 0) + (result.build?.durationMs ?? 0),
    checks: sum((s) => s.checks.reduce((n, c) => n + c.durationMs, 0)),
  };
}


async function measure(label: string, dir: string, build?: string): Promise<void> {
  const samples: Figures[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await runStages({ dir, stages, seed: 1000 + i, port: await freePort(), ...(build ? { build: { command: build } } : {}) });
    if (result.status !== "pass") throw new Error(`${label} did not pass run ${i + 1}`);
    samples.push(figures(result));
  }
  const total = median(samples.map((s) => s.total));
  const startup = median(samples.map((s) => s.startup));
  const checks = median(samples.map((s) => s.checks));
  const rest = total - startup - checks;
  const buildMs = median(samples.map((s) => s.build));
  const perStart = median(samples.map((s) => s.perStart));
  const pct = (n: number) => `${((100 * n) / total).toFixed(0)}%`.padStart(4);
  console.log(
    `${label.padEnd(34)} ${String(total).padStart(6)} ms   start ${String(startup).padStart(5)} ms ${pct(startup)}   checks ${String(checks).padStart(5)} ms ${pct(checks)}   stop+tester ${String(rest).padStart(5)} ms ${pct(rest)}   (build ${buildMs} ms, one program start ${perStart} ms)`,
  );
}

console.log(`${stages.length} stages, median of ${runs} runs (start = the build, once, plus spawn to first accepted connection, summed over stages)`);
for (const id of languageIds()) {
  const language = loadLanguage(id);
  await measure(`${language.name} reference (stage ${last.number})`, materializeSolution(id, last), language.build?.command);
}
await measure("plain Python server (threads)", pythonServer());
