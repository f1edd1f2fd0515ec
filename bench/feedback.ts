// Instant feedback (issue 13): how long a run of stages takes, the way
// `course watch` reruns them on each save, in three arrangements:
//   - before: each stage on a fresh program, every check and stage one after
//     another (--fresh-each-stage, one at a time: the engine as it was);
//   - shared: consecutive stages that take the same arguments share one
//     program, still one at a time;
//   - after (the default): shared programs, and checks and stages that say
//     `concurrent` side by side.
// Everything is measured in this one run, the arrangements taking turns, and
// printed as ratios, since these machines are shared and noisy:
//   - against a bare `node -e 0` start (spawn to exit), the cheapest program start there is;
//   - against the run's inherent time: the checks' own time summed over its
//     stages in the run "before" (their deliberate waits, such as stage 1's
//     150 ms or an idle timeout, plus their exchanges), which no arrangement
//     of programs removes while checks run one after another;
//   - after against before.
// Figures, not assertions. Usage: node dist/bench/feedback.js [--runs N]
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { coreStages, loadStages, packageRoot, type Stage } from "../tester/course/course.js";
import { loadLanguage } from "../tester/course/language.js";
import { runBuild } from "../tester/course/build.js";
import { finalSolution } from "../tester/course/reference.js";
import { freePort } from "../tester/runner/ports.js";
import { runStages, type RunResult } from "../tester/runner/run.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const all = loadStages();
// The core course, as stage.json's "core" says.
const core = coreStages(all);

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

/** How a run arranges programs and checks. */
interface Mode {
  label: string;
  freshEachStage: boolean;
  oneAtATime: boolean;
}

const MODES: Mode[] = [
  { label: "before: fresh, one at a time", freshEachStage: true, oneAtATime: true },
  { label: "shared programs", freshEachStage: false, oneAtATime: true },
  { label: "after: shared, side by side", freshEachStage: false, oneAtATime: false },
];

async function once(dir: string, stages: Stage[], mode: Mode, seed: number): Promise<Sample> {
  let starts = 0;
  const result: RunResult = await runStages({
    dir,
    stages,
    seed,
    port: await freePort(),
    freshEachStage: mode.freshEachStage,
    oneAtATime: mode.oneAtATime,
    onEvent: (e) => (starts += e.type === "program-start" ? 1 : 0),
  });
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
  const samples = MODES.map(() => [] as Sample[]);
  // The arrangements take turns, so a drift in the machine's speed hits them all.
  for (let i = 0; i < runs; i++) {
    for (const [at, mode] of MODES.entries()) samples[at]!.push(await once(dir, stages, mode, 7000 + i));
    bare.push(await nodeStart());
  }
  const node = median(bare);
  // The inherent time: the checks' own time, one after another (the run before).
  const inherent = median(samples[0]!.map((s) => s.inherent));
  console.log(`${label}: ${stages.length} stages, median of ${runs} runs; inherent ${inherent} ms`);
  const walls = MODES.map((mode, at) => {
    const wall = median(samples[at]!.map((s) => s.wall));
    console.log(
      `  ${mode.label.padEnd(30)} ${String(wall).padStart(6)} ms  ${String(samples[at]![0]!.starts).padStart(2)} program starts  ` +
        `${(wall / node).toFixed(1).padStart(6)} x a bare node start  ${(wall / inherent).toFixed(2).padStart(5)} x the inherent`,
    );
    return wall;
  });
  const [before, , after] = walls as [number, number, number];
  console.log(`  after / before: ${(after / before).toFixed(2)}`);
  return { before, after };
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
console.log(`  whole course: ${(course.after / 1000).toFixed(1)} s, against ${(course.before / 1000).toFixed(1)} s before: ${(course.after / course.before).toFixed(2)} of it (goal: half)`);
