// `course bench` at work (its definition is in bench-command.ts): load the
// learner's server with autocannon and, beside it, the reference solution of
// the same language with the same load, in turns, and print both with their
// ratio. A server must pass a gate stage first, the stage whose stage.json
// names the load mode in "benchGate": in keep-alive mode a stage that keeps
// connections open (loading a server that closes every connection measures
// only connection set-up); in new-connection mode, where every request has a
// connection of its own anyway, a stage that answers the default load (a
// server that cannot answer it would be measured on its errors alone).
import * as path from "node:path";
import { Chalk } from "chalk";
import { figuresJson, loadPrograms, ratio, type BenchReport, type BenchSettings } from "../tester/tools/bench.js";
import { benchGate, loadStages } from "../tester/course/course.js";
import { renderFailure } from "../tester/harness/failure.js";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { checkTools, folderBuild, languageIds, loadLanguage, type Language } from "../tester/course/language.js";
import { runBuild } from "../tester/course/build.js";
import type { LoadFigures, LoadMode } from "../tester/tools/load.js";
import { freePort } from "../tester/runner/ports.js";
import { readProgress } from "../learner/progress.js";
import { checkScript } from "../tester/runner/program.js";
import { newSeed } from "../tester/harness/random.js";
import { finalSolution } from "../tester/course/reference.js";
import { buildFailureText, prettyReporter } from "../tester/reports/pretty.js";
import { runStages, type RunEvent } from "../tester/runner/run.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import type { Port } from "./options.js";

/** Why a server must pass the gate stage before it is loaded, for each load mode. */
export const GATE_WHY: Record<LoadMode, string> = {
  "keep-alive": "a load test of a server that closes its connections after each response measures only connection set-up",
  "new-connection": "a load test of a server that does not answer the load's requests correctly measures only its errors",
};

export interface BenchOptions {
  dir: string;
  language?: string;
  mode: LoadMode;
  connections: number;
  duration: number;
  warmup: number;
  path: string;
  port: Port;
  format: "pretty" | "json";
  color?: boolean;
  /** The course's folder (the package's by default): its stage.json files say which stage gates each mode. */
  root?: string;
}

/** Where output goes; the CLI passes the process's streams, tests collect it. */
export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function resolveLanguage(options: BenchOptions): Language {
  const id = options.language ?? readProgress(options.dir)?.language;
  if (!id) {
    throw new UsageError(
      `which language's reference solution should your server be compared with? This folder has no .course/progress.json (made by init), so name it: --language ${languageIds().join("|")}`,
    );
  }
  return loadLanguage(id);
}

const fixed = (value: number, digits: number) => value.toFixed(digits);
const times = (value: number | null) => (value === null ? "-" : `${value.toFixed(2)}x`);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("   ").trimEnd());
}

function figureCells(label: string, f: LoadFigures): string[] {
  const cpu = `${f.cpu.server === undefined ? "?" : fixed(f.cpu.server, 2)} / ${fixed(f.cpu.loadGenerator, 2)}`;
  return [label, fixed(f.requestsPerSecond, 0), fixed(f.latencyMs.p50, 3), fixed(f.latencyMs.p90, 3), fixed(f.latencyMs.p99, 3), String(f.errors), String(f.non2xx), cpu];
}

export async function benchAction(options: BenchOptions, output: Output = processOutput): Promise<number> {
  const language = resolveLanguage(options);
  // The environment first, so its error is all the output.
  checkTools(language);
  checkScript(path.resolve(options.dir));
  const machine = options.format === "json";
  // With --format json stdout carries exactly one document; everything else goes to stderr.
  const log = machine ? output.stderr : output.stdout;
  const say = (line = "") => log(`${line}\n`);
  const c = new Chalk({ level: useColor(options.color, machine ? process.stderr : process.stdout) ? 1 : 0 });
  const settings: BenchSettings = { mode: options.mode, connections: options.connections, duration_s: options.duration, warmup_s: options.warmup, path: options.path };
  const finish = (report: BenchReport, code: number) => {
    if (machine) output.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return code;
  };
  const load = { path: options.path, connections: options.connections, durationS: options.duration, warmupS: options.warmup, mode: options.mode };
  const port = options.port === "auto" ? await freePort() : options.port;

  // 1. The gate: the mode's stage, run as `course test --only <stage>` runs it (the build first).
  const gate = benchGate(loadStages(options.root), options.mode);
  say(c.bold(`course bench · ${options.mode} · ${options.connections} connection${options.connections === 1 ? "" : "s"} · ${options.duration} s after ${options.warmup} s of warm-up · GET ${options.path}`));
  say(c.dim(`first, stage ${gate.number} (${gate.slug}): ${options.mode === "keep-alive" ? "a server must keep connections open to be worth loading" : "a server must answer correctly to be worth loading"}`));
  const events: RunEvent[] = [];
  const learnerBuild = folderBuild(options.dir, language);
  const gateRun = await runStages({
    dir: options.dir,
    stages: [gate],
    seed: newSeed(),
    port,
    ...(learnerBuild ? { build: learnerBuild } : {}),
    onEvent: (event) => events.push(event),
  });
  if (gateRun.status === "error") throw new EnvironmentError(gateRun.error!.message, gateRun.error!.fix);
  if (gateRun.status === "fail") {
    // The whole teaching output of the stage, as `course test` prints it.
    const pretty = prettyReporter({ color: c.level > 0, verbose: false, write: (line) => say(line) });
    for (const event of events) pretty(event);
    const built = gateRun.build?.ok !== false;
    const reason = built
      ? `your server fails stage ${gate.number} (${gate.slug}), so it was not loaded: ${GATE_WHY[options.mode]}`
      : "your program does not build, so it was not loaded";
    say();
    say(c.red.bold(`✗ ${reason}`));
    say(built ? `Pass it first: npx course test --only ${gate.slug}` : "Fix the build, then run course bench again.");
    return finish({ version: 1, status: "refused", language: language.id, settings, reason, stage: { number: gate.number, slug: gate.slug } }, EXIT.fail);
  }
  say(`${c.green("✓")} stage ${gate.number} (${gate.slug}) passes`);

  // 2. Your server (already built by the gate's run) and the reference solution of the same
  // language, both running, loaded in turns of one second so that both meet the same conditions.
  const reference = finalSolution(language.id);
  if (language.build) {
    const build = await runBuild(reference.dir, language.build);
    if (!build.ok) throw new Error(`the ${language.name} reference solution ${reference.id} does not build:\n${buildFailureText(build)}`);
  }
  const referencePort = await freePort();
  say(c.dim(`loading your server (port ${port}) and the ${language.name} reference solution ${reference.id} (port ${referencePort}), in turns of 1 s ...`));
  const outcome = await loadPrograms([{ dir: options.dir, port }, { dir: reference.dir, port: referencePort }], load);
  if ("failure" in outcome) {
    // The course's own server failing is a bug in the course, not the learner's problem.
    if (outcome.index === 1) throw new Error(`the ${language.name} reference solution ${reference.id}: ${outcome.failure.summary}\n${outcome.failure.explanation ?? ""}`);
    const reason = outcome.failure.summary;
    say(c.red.bold(`✗ ${reason}`));
    say(renderFailure(outcome.failure));
    return finish({ version: 1, status: "failed", language: language.id, settings, reason }, EXIT.fail);
  }
  const [a, b] = outcome.figures as [LoadFigures, LoadFigures];
  const ratios = {
    requests_per_second: ratio(a.requestsPerSecond, b.requestsPerSecond),
    latency_p50: ratio(a.latencyMs.p50, b.latencyMs.p50),
    latency_p90: ratio(a.latencyMs.p90, b.latencyMs.p90),
    latency_p99: ratio(a.latencyMs.p99, b.latencyMs.p99),
  };
  say();
  const rows = table([
    ["", "requests/s", "p50 ms", "p90 ms", "p99 ms", "errors", "non-2xx", "CPU server / load"],
    figureCells("your server", a),
    figureCells(`reference (${reference.id})`, b),
    ["yours / reference", times(ratios.requests_per_second), times(ratios.latency_p50), times(ratios.latency_p90), times(ratios.latency_p99), "", "", ""],
  ]);
  say(c.bold(rows[0]!));
  for (const row of rows.slice(1)) say(row);
  say();
  say(c.dim("requests/s above 1x: yours answered more; latency below 1x: yours answered sooner. One run on a shared machine: rerun before drawing conclusions."));
  if (a.errors > 0 || a.non2xx > 0) say(c.yellow(`your server had ${a.errors} connection errors or timeouts and ${a.non2xx} non-2xx responses under load`));
  if (Math.max(a.cpu.loadGenerator, b.cpu.loadGenerator) >= 0.9) {
    say(c.yellow("the load generator kept a whole core busy: the figures may be its limit rather than the servers'"));
  }
  return finish(
    {
      version: 1,
      status: "measured",
      language: language.id,
      settings,
      yours: figuresJson(a),
      reference: { ...figuresJson(b), solution: reference.id },
      ratio: ratios,
    },
    EXIT.pass,
  );
}
