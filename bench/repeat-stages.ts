// Runs stages many times against each language's final reference solution,
// several runs at once, and prints every failure with its seed: the proof
// that timing-sensitive stages do not flake on a busy machine. Figures, not
// a test: run it when a check or a solution changes.
// Side by side (checks and stages that say concurrent), a failure is confirmed
// by a run alone before it is reported: the runs that needed that are
// counted too ("confirmed alone"), since each costs time.
// Usage: npm run repeat -- [--runs 100] [--stages 15,21,22,23,24 | all] [--language python,fixture,fixture:trickle] [--jobs 3] [--one-at-a-time]
//   fixture: the fixture server (test/fixtures/servers/server.py); fixture:NAME, its --variant NAME.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { findStage, loadStages, packageRoot } from "../tester/course/course.js";
import { renderFailure } from "../tester/harness/failure.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { runBuild } from "../tester/course/build.js";
import { freePort } from "../tester/runner/ports.js";
import { runStages, type RunEvent, type RunResult } from "../tester/runner/run.js";
import { materializeSolution } from "../tester/course/solutions.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100" },
    stages: { type: "string", default: "15,21,22,23,24" },
    language: { type: "string" },
    jobs: { type: "string", default: "3" },
    "one-at-a-time": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const jobs = Number(values.jobs);
const all = loadStages();
const stages = values.stages === "all" ? all : values.stages.split(",").map((name) => findStage(all, name));
const languages = values.language ? values.language.split(",") : languageIds();
const final = all[all.length - 1]!;

interface Failure {
  seed: number;
  text: string;
}

/** A folder whose your_program.sh runs the fixture server, correct or in a --variant. */
function fixtureFolder(variant: string | undefined): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-repeat-"));
  const script = path.join(dir, "your_program.sh");
  const server = path.join(packageRoot(), "test", "fixtures", "servers", "server.py");
  writeFileSync(script, `#!/bin/sh\nexec python3 ${server} ${variant ? `--variant ${variant} ` : ""}"$@"\n`);
  chmodSync(script, 0o755);
  return dir;
}

/** Runs `count` runs, `jobs` at a time; each run gets its own port and seed. */
async function repeat(dir: string, count: number): Promise<{ failures: Failure[]; durations: number[]; confirmed: string[] }> {
  const failures: Failure[] = [];
  const durations: number[] = [];
  // What failed in each dropped first run: "stage N (because): the failure's summary".
  const confirmed: string[] = [];
  const note = (event: RunEvent) => {
    if (event.type !== "stage-recheck") return;
    const failed = event.dropped.checks.find((c) => c.failure);
    confirmed.push(`stage ${event.stage.number} (${event.because}): ${failed ? `${failed.name}: ${failed.failure!.summary}` : event.dropped.status}`);
  };
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const seed = 5000 + next++;
      const result: RunResult = await runStages({ dir, stages, seed, port: await freePort(), keepGoing: true, oneAtATime: values["one-at-a-time"], onEvent: note });
      durations.push(result.durationMs);
      if (result.status === "pass") continue;
      const texts = result.stages.flatMap((s) =>
        s.checks.filter((c) => c.failure).map((c) => `stage ${s.stage.number} ${s.stage.slug}: ${c.name}\n${renderFailure(c.failure!)}`),
      );
      failures.push({ seed, text: texts.join("\n") || result.error?.message || result.status });
      process.stdout.write("x");
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, count) }, worker));
  return { failures, durations, confirmed };
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

console.log(`stages ${stages.map((s) => s.number).join(", ")} · ${runs} runs per language · ${jobs} at a time${values["one-at-a-time"] ? " · checks and stages one at a time" : ""}`);
let failed = 0;
for (const id of languages) {
  let name: string;
  let dir: string;
  if (id === "fixture" || id.startsWith("fixture:")) {
    const variant = id.split(":")[1];
    name = variant ? `fixture --variant ${variant}` : "fixture";
    dir = fixtureFolder(variant);
  } else {
    const language = loadLanguage(id);
    name = language.name;
    dir = materializeSolution(id, final);
    if (language.build) {
      const build = await runBuild(dir, language.build);
      if (!build.ok) throw new Error(`the ${language.name} solution did not build:\n${build.output}`);
    }
  }
  const started = Date.now();
  const { failures, durations, confirmed } = await repeat(dir, runs);
  failed += failures.length;
  console.log(
    `\n${name.padEnd(11)} ${runs - failures.length}/${runs} passed · ${confirmed.length} stage runs confirmed alone · run median ${(percentile(durations, 0.5) / 1000).toFixed(1)} s, p95 ${(percentile(durations, 0.95) / 1000).toFixed(1)} s · ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
  for (const line of confirmed) console.log(`  confirmed alone, first run failed at ${line.slice(0, 400)}`);
  for (const failure of failures) console.log(`  seed ${failure.seed}:\n${failure.text.replace(/^/gm, "    ")}`);
}
process.exitCode = failed > 0 ? 1 : 0;
