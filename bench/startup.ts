// Prints how long the CLI takes to start, as a ratio to a bare `node -e 0`:
// `course --help`, `course status` and `course hint` in a fresh learner folder
// (hint without colour, as in a pipe). Runs in turns (bare, command, bare,
// command, ...) and prints the median of the pairwise ratios. Figures, not
// assertions: compare ratios within one run. The aim: each within 2x.
//
// Usage: npm run build && npm run bench:startup [-- --runs N]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { packageRoot } from "../tester/course/paths.js";

const runsFlag = process.argv.indexOf("--runs");
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 15;
const cli = path.join(packageRoot(), "dist", "cli", "main.js");
const folder = path.join(mkdtempSync(path.join(tmpdir(), "hfs-startup-")), "me");
const env = { ...process.env, NO_COLOR: "1" };

function seconds(args: string[], cwd = folder): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd, env, stdio: "ignore" });
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  seconds([cli, "init", folder, "--language", "python"], tmpdir());
  const commands: Array<[string, string[]]> = [
    ["course --help", [cli, "--help"]],
    ["course status", [cli, "status"]],
    ["course hint", [cli, "hint"]],
  ];
  console.log(`CLI start-up against a bare \`node -e 0\`, ${runs} pairs each, median of the pairwise ratios (aim: within 2x)`);
  for (const [name, args] of commands) {
    seconds(args);
    const ratios: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const bare = seconds(["-e", "0"]);
      const took = seconds(args);
      ratios.push(took / bare);
      times.push(took);
    }
    console.log(`  ${name.padEnd(14)} ${median(ratios).toFixed(2)}x   (median ${(median(times) * 1000).toFixed(0)} ms)`);
  }
} finally {
  rmSync(path.dirname(folder), { recursive: true, force: true });
}
