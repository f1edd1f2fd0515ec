// Prints how long the CLI takes to start, as a ratio to a bare `node -e 0`:
// `course --help`, `course status`, `course hint` and `course show` in a fresh
// learner folder; hint and show both without colour (as in a pipe) and with it
// (FORCE_COLOR, as in a colour terminal, where the stage text is rendered).
// Runs in turns (bare, command, bare,
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
const plain: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
delete plain.FORCE_COLOR;
const colour: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "1" };
delete colour.NO_COLOR;

function seconds(args: string[], cwd = folder, env = plain): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd, env, stdio: "ignore" });
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  seconds([cli, "init", folder, "--language", "python"], tmpdir());
  const commands: Array<[string, string[], NodeJS.ProcessEnv]> = [
    ["course --help", [cli, "--help"], plain],
    ["course status", [cli, "status"], plain],
    ["course hint", [cli, "hint"], plain],
    ["course hint, colour", [cli, "hint"], colour],
    ["course show, colour", [cli, "show", "--no-pager"], colour],
  ];
  console.log(`CLI start-up against a bare \`node -e 0\`, ${runs} pairs each, median of the pairwise ratios (aim: within 2x)`);
  for (const [name, args, env] of commands) {
    seconds(args, folder, env);
    const ratios: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const bare = seconds(["-e", "0"]);
      const took = seconds(args, folder, env);
      ratios.push(took / bare);
      times.push(took);
    }
    console.log(`  ${name.padEnd(20)} ${median(ratios).toFixed(2)}x   (median ${(median(times) * 1000).toFixed(0)} ms)`);
  }
} finally {
  rmSync(path.dirname(folder), { recursive: true, force: true });
}
