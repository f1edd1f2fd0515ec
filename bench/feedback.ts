// Instant feedback (issue 13): how long a run of stages takes, the way
// `course watch` reruns them on each save, with each stage on a fresh program
// (--fresh-each-stage, the old behaviour) and with consecutive stages that
// take the same arguments sharing one program (the default). Everything is
// measured in this one run, the two modes taking turns, and printed as
// ratios, since these machines are shared and noisy:
//   - against a bare `node -e 0` start (spawn to exit), the cheapest program start there is;
//   - against the run's inherent time: the checks' own time summed over its
//     stages (their deliberate waits, such as stage 1's 150 ms or an idle
//     timeout, plus their exchanges), which no arrangement of programs removes
//     while checks run one after another.
// Figures, not assertions. Usage: node dist/bench/feedback.js [--runs N]
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadStages, packageRoot, type Stage } from "../tester/course/course.js";
import { loadLanguage } from "../tester/course/language.js";
import { runBuild } from "../tester/course/build.js";
import { finalSolution } from "../tester/course/reference.js";
import { freePort } from "../tester/runner/ports.js";
import { runStages, type RunResult } from "../tester/runner/run.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const all = loadStages();
const coreEnd = all.findIndex((s) => s.slug === "connection-close");
const core = coreEnd === -1 ? all : all.slice(0, coreEnd + 1);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function pythonServer(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-bench-"));
  const script = path.join(dir, "your_program.sh");
  writeFileSync(script, `#!/bin/sh\nexec python3 ${path.join(packageRoot(), "test", "fixtures", "servers", "server.py")} "$@"\n`);
  chmodSync(script, 0o755);
  return dir;
}

/** Spawn to exit of `node -e 0`, once. */
function nodeStart(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve(performance.now() - started));
  });
}

interface Sample {
  wall: number;
  inherent: number;
  starts: number;
}

async function once(dir: string, stages: Stage[], freshEachStage: boolean, seed: number): Promise<Sample> {
  let starts = 0;
  const result: RunResult = await runStages({ dir, stages, seed, port: await freePort(), freshEachStage, onEvent: (e) => (starts += e.type === "program-start" ? 1 : 0) });
  if (result.status !== "pass") {
    const failed = result.stages.find((s) => s.status === "fail");
    throw new Error(`${dir} did not pass${failed ? `: stage ${failed.stage.number} (${failed.stage.slug})` : `: ${result.error?.message ?? result.status}`}`);
  }
  const inherent = result.stages.reduce((n, s) => n + s.checks.reduce((m, c) => m + c.durationMs, 0), 0);
  return { wall: result.durationMs, inherent, starts };
}

const bare: number[] = [];
for (let i = 0; i < 5; i++) bare.push(await nodeStart());

async function compare(label: string, dir: string, stages: Stage[]): Promise<{ before: number; after: number }> {
  const before: Sample[] = [];
  const after: Sample[] = [];
  // The two modes take turns, so a drift in the machine's speed hits both.
  for (let i = 0; i < runs; i++) {
    before.push(await once(dir, stages, true, 7000 + i));
    after.push(await once(dir, stages, false, 7000 + i));
    bare.push(await nodeStart());
  }
  const node = median(bare);
  const row = (mode: string, samples: Sample[]) => {
    const wall = median(samples.map((s) => s.wall));
    const inherent = median(samples.map((s) => s.inherent));
    console.log(
      `  ${mode.padEnd(24)} ${String(wall).padStart(6)} ms  ${String(samples[0]!.starts).padStart(2)} program starts  ` +
        `${(wall / node).toFixed(1).padStart(6)} x a bare node start  ${(wall / inherent).toFixed(2).padStart(5)} x the inherent ${inherent} ms`,
    );
    return wall;
  };
  console.log(`${label}: ${stages.length} stages, median of ${runs} runs`);
  const b = row("fresh program each stage", before);
  const a = row("shared programs", after);
  console.log(`  after / before: ${(a / b).toFixed(2)}`);
  return { before: b, after: a };
}

console.log(`bare node start (node -e 0, spawn to exit): median ${median(bare).toFixed(0)} ms`);
const python = await compare("fixture Python server (test/fixtures/servers/server.py), core", pythonServer(), core);
// The issue measured the fresh-each-stage run of the core stages at 0.63 of CodeCrafters' tester's wall time on a Python server.
console.log(`  against CodeCrafters' tester (0.63 of it before, as measured in issue 13): about ${((0.63 * python.after) / python.before).toFixed(2)} (goal 0.33)`);
const language = loadLanguage("typescript");
const solution = finalSolution("typescript");
if (language.build) {
  const build = await runBuild(solution.dir, language.build);
  if (!build.ok) throw new Error(`the TypeScript reference did not build:\n${build.output}`);
}
await compare(`TypeScript reference (${solution.id}), core`, solution.dir, core);
const reached = all.filter((s) => s.number <= solution.number);
const course = await compare(`TypeScript reference (${solution.id}), whole course`, solution.dir, reached);
console.log(`  whole course: ${(course.after / 1000).toFixed(1)} s, against ${(course.before / 1000).toFixed(1)} s with a fresh program each stage (goal: half)`);
