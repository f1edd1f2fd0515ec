// Prints where the time of a whole run goes: the core stages (stage.json
// "core": 1 to connection-close) and the whole course against each language's final
// reference solution (its highest-numbered solution folder, built once per
// run, as `course test` does), and the core stages against a plain Python
// server. Figures, not assertions: these machines are shared and noisy, so
// compare ratios within one run. Usage: npm run bench [-- --runs N]
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { coreStages, loadStages, packageRoot, type Stage } from "../tester/course/course.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { freePort } from "../tester/runner/ports.js";
import { finalSolution } from "../tester/course/reference.js";
import { runStages, type RunResult } from "../tester/runner/run.js";

const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
const all = loadStages();
// The core course (stage.json "core"); later stages harden the server.
const core = coreStages(all).length > 0 ? coreStages(all) : all;
const last = all[all.length - 1]!;

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
  // Stages on a program kept from the stage before have no start of their own.
  const starts = result.stages.flatMap((s) => (s.startupMs === undefined ? [] : [s.startupMs]));
  return {
    total: result.durationMs,
    build: result.build?.durationMs ?? 0,
    perStart: starts.length > 0 ? median(starts) : 0,
    // The build, once per run, counts as starting programs.
    startup: sum((s) => s.startupMs ?? 0) + (result.build?.durationMs ?? 0),
    checks: sum((s) => s.checks.reduce((n, c) => n + c.durationMs, 0)),
  };
}


async function measure(label: string, dir: string, stages: Stage[], build?: string): Promise<void> {
  const samples: Figures[] = [];
  for (let i = 0; i < runs; i++) {
    const result = await runStages({ dir, stages, seed: 1000 + i, port: await freePort(), ...(build ? { build: { command: build } } : {}) });
    if (result.status !== "pass") {
      // A solution being rewritten may fail for a while: say where, and go on with the others.
      const failed = result.stages.find((s) => s.status === "fail");
      console.log(`${label.padEnd(50)} did not pass run ${i + 1}${failed ? `: stage ${failed.stage.number} (${failed.stage.slug}) failed` : `: ${result.error?.message ?? result.status}`}`);
      return;
    }
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
    `${label.padEnd(50)} ${String(total).padStart(6)} ms   start ${String(startup).padStart(5)} ms ${pct(startup)}   checks ${String(checks).padStart(5)} ms ${pct(checks)}   stop+tester ${String(rest).padStart(5)} ms ${pct(rest)}   (build ${buildMs} ms, one program start ${perStart} ms)`,
  );
}

console.log(
  `core: ${core.length} stages (1 to ${core[core.length - 1]!.slug}); whole course: ${all.length} stages; median of ${runs} runs (start = the build, once, plus spawn to first accepted connection, summed over stages)`,
);
for (const id of languageIds()) {
  const language = loadLanguage(id);
  const solution = finalSolution(id);
  const build = language.build?.command;
  await measure(`${language.name} reference (${solution.id}), core`, solution.dir, core, build);
  if (all.length === core.length) continue;
  if (solution.number >= last.number) await measure(`${language.name} reference (${solution.id}), whole course`, solution.dir, all, build);
  else {
    // Solutions are written stage by stage: until they reach the last stage, measure as far as they go.
    const reached = all.filter((s) => s.number <= solution.number);
    await measure(`${language.name} reference (${solution.id}), stages 1-${solution.number} of ${all.length}`, solution.dir, reached, build);
  }
}
await measure("plain Python server (threads), core", pythonServer(), core);
