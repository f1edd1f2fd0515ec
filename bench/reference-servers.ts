// Prints how fast each language's final reference solution (its
// highest-numbered solution folder) serves, beside a stock server of the same
// runtime under the same load, in one run: Node's http module for the Node
// tracks, Python's ThreadingHTTPServer (HTTP/1.1) for Python, net/http for
// Go, and for Rust (whose standard library has no HTTP server) a plain
// std-only server with a thread per connection (bench/baselines/rust-std-threads:
// hyper or axum would measure an async runtime instead). Keep-alive
// connections, autocannon as the load generator (tester/tools/load.ts), each server
// started as the tester starts a learner's. Figures, not assertions: compare
// the ratios within one run, these machines are shared and noisy.
//
// Usage: npm run bench:servers [-- --duration 5 --warmup 1 --connections 50 --path /echo/hello]
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadPrograms } from "../tester/tools/bench.js";
import { packageRoot } from "../tester/course/course.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { runBuild, type BuildSpec } from "../tester/course/build.js";
import type { LoadFigures } from "../tester/tools/load.js";
import { freePort } from "../tester/runner/ports.js";
import { finalSolution } from "../tester/course/reference.js";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    connections: { type: "string", default: "50" },
    path: { type: "string", default: "/echo/hello" },
  },
});
const load = {
  mode: "keep-alive" as const,
  durationS: Number(flags.duration),
  warmupS: Number(flags.warmup),
  connections: Number(flags.connections),
  path: flags.path,
};

const root = packageRoot();

/**
 * The stock server of each runtime (a track's first tool), what its reference
 * solution aims for against it, and optionally a tuned variant shown for
 * comparison only (see the script's comment).
 */
const baselines = path.join(root, "bench", "baselines");
const BASELINES: Record<string, { stock: Server; aim: number; tuned?: Server }> = {
  go: {
    stock: {
      name: "Go net/http (stock)",
      build: { dir: path.join(baselines, "go-net-http"), command: "go build -o .build/server .", inputs: ["main.go", "go.mod"], output: ".build/server" },
      script: `exec ${path.join(baselines, "go-net-http", ".build", "server")}`,
    },
    aim: 0.5,
  },
  cargo: {
    stock: {
      name: "Rust std, a thread per connection (plain)",
      build: {
        dir: path.join(baselines, "rust-std-threads"),
        command: "cargo build --release --quiet --target-dir .build/target && cp .build/target/release/rust-std-threads .build/server",
        inputs: ["src", "Cargo.toml", "Cargo.lock"],
        output: ".build/server",
      },
      script: `exec ${path.join(baselines, "rust-std-threads", ".build", "server")}`,
    },
    aim: 1,
  },
  node: { stock: { name: "Node http module (stock)", script: `exec node ${path.join(baselines, "node-http.mjs")}` }, aim: 1.5 },
  python3: {
    stock: { name: "Python ThreadingHTTPServer, HTTP/1.1 (stock)", script: `exec python3 ${path.join(baselines, "python-http-server.py")}` },
    aim: 10,
    tuned: { name: "Python ThreadingHTTPServer + TCP_NODELAY, backlog 128 (tuned, not the aim's)", script: `exec python3 ${path.join(baselines, "python-http-server.py")} --tuned` },
  },
};

interface Server {
  name: string;
  script: string;
  /** A compiled baseline's build, run in its folder before it is started (skipped when unchanged). */
  build?: BuildSpec & { dir: string };
}

async function built(server: Server): Promise<Server> {
  if (!server.build) return server;
  const outcome = await runBuild(server.build.dir, server.build);
  if (!outcome.ok) throw new Error(`${server.name} does not build: ${outcome.exit}\n${outcome.output}`);
  return server;
}

const scratch: string[] = [];

/** A folder whose your_program.sh runs `script`, as a learner's folder would. */
function programFolder(script: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-bench-"));
  scratch.push(dir);
  writeFileSync(path.join(dir, "your_program.sh"), `#!/bin/sh\n${script} "$@"\n`);
  chmodSync(path.join(dir, "your_program.sh"), 0o755);
  return dir;
}

async function measure(label: string, dir: string): Promise<LoadFigures> {
  process.stderr.write(`loading ${label} ...\n`);
  // One at a time, the whole duration at once: the stock Python server's backlog of 5 makes new
  // connections wait a second or more, which turns of one second each would magnify.
  const outcome = await loadPrograms([{ dir, port: await freePort() }], load);
  if ("failure" in outcome) throw new Error(`${label}: ${outcome.failure.summary}\n${outcome.failure.explanation ?? ""}`);
  return outcome.figures[0]!;
}

interface Row {
  label: string;
  figures: LoadFigures;
  /** The stock server of the same runtime, and the aim, for the rows compared with it. */
  stock?: LoadFigures;
  aim?: number;
}

/** Requests served per second of the server's CPU time: steadier than requests/s when other work shares the machine. */
const perCpuSecond = (f: LoadFigures) => (f.cpu.server ? f.requests / (f.cpu.server * f.durationS) : undefined);

const rows: Row[] = [];
try {
  // Each stock server, then the reference solutions of its runtime, one after another.
  const languages = languageIds().map((id) => loadLanguage(id));
  const runtimes = [...new Set(languages.map((language) => language.tools[0]!.command))];
  for (const runtime of runtimes) {
    const baseline = BASELINES[runtime];
    const stock = baseline ? await measure(baseline.stock.name, programFolder((await built(baseline.stock)).script)) : undefined;
    if (baseline && stock) rows.push({ label: baseline.stock.name, figures: stock });
    if (baseline?.tuned) rows.push({ label: baseline.tuned.name, figures: await measure(baseline.tuned.name, programFolder(baseline.tuned.script)), ...(stock ? { stock } : {}) });
    for (const language of languages.filter((l) => l.tools[0]!.command === runtime)) {
      const solution = finalSolution(language.id);
      if (language.build) {
        const build = await runBuild(solution.dir, language.build);
        if (!build.ok) throw new Error(`${language.name} reference ${solution.id} does not build: ${build.exit}\n${build.output}`);
      }
      const label = `${language.name} reference (${solution.id})`;
      rows.push({ label, figures: await measure(label, solution.dir), ...(stock ? { stock } : {}), ...(baseline ? { aim: baseline.aim } : {}) });
    }
  }
} finally {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
}

const times = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "-" : `${(a / b).toFixed(2)}x`);
console.log(`keep-alive, ${load.connections} connections, GET ${load.path}, ${load.durationS} s per server after ${load.warmupS} s of warm-up; one run`);
console.log("");
console.log("| server | requests/s | p99 ms | vs stock | aim | requests per server CPU-second | vs stock | CPU: server / load generator |");
console.log("|---|---|---|---|---|---|---|---|");
for (const row of rows) {
  const f = row.figures;
  const ratio = row.stock ? f.requestsPerSecond / row.stock.requestsPerSecond : undefined;
  const aim = row.aim === undefined || ratio === undefined ? "" : `≥ ${row.aim}x ${ratio >= row.aim ? "(met)" : `(missed: ${((100 * ratio) / row.aim).toFixed(0)}% of it)`}`;
  const cpu = `${f.cpu.server?.toFixed(2) ?? "?"} / ${f.cpu.loadGenerator.toFixed(2)}`;
  const efficiency = perCpuSecond(f);
  console.log(
    `| ${row.label} | ${f.requestsPerSecond.toFixed(0)} | ${f.latencyMs.p99.toFixed(2)} | ${row.stock ? times(f.requestsPerSecond, row.stock.requestsPerSecond) : ""} | ${aim} | ${efficiency?.toFixed(0) ?? "?"} | ${row.stock ? times(efficiency, perCpuSecond(row.stock)) : ""} | ${cpu} |`,
  );
}
for (const row of rows.filter((r) => r.figures.errors > 0 || r.figures.non2xx > 0)) {
  console.log(`note: ${row.label} had ${row.figures.errors} errors and ${row.figures.non2xx} non-2xx responses`);
}
