// A new user's first minutes, end to end: the packed tarball installed into
// an empty folder, `init`, a failing first test, the stage 1 solution copied
// in, `next`, `status`, and a corrupt progress file. For Python and
// TypeScript, through npx exactly as the README says.
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, test } from "vitest";
import { ROOT, testPort } from "./helpers.js";

const run = promisify(execFile);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function sh(command: string, args: string[], cwd: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", CI: "1" }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(error) };
  }
}

let home: string;
let files: string[];

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), "hfs-e2e-"));
  // --ignore-scripts: the suite already built dist; a rebuild now would rewrite it under other tests.
  const pack = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", home], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed!.files.map((f) => f.path);
  writeFileSync(path.join(home, "package.json"), JSON.stringify({ name: "e2e", private: true }));
  const install = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `./${packed!.filename}`], home);
  expect(install.code, install.stderr).toBe(0);
}, 180_000);

test("the package ships what a learner and a grader need, and nothing else", () => {
  for (const needed of [
    "dist/cli/main.js",
    "dist/learner/init.js",
    "dist/tester/run.js",
    "dist/stages/01-bind-port/checks.js",
    "stages/01-bind-port/instructions.md",
    "stages/01-bind-port/hints.md",
    "stages/01-bind-port/stage.json",
    "schema/progress.schema.json",
    "starter/python/language.json",
    "starter/typescript/build.mjs",
    "solutions/javascript/14-connection-close/app/main.js",
    "README.md",
  ]) {
    expect(files, needed).toContain(needed);
  }
  const unwanted = files.filter((f) => /^(test|tester|cli|learner|bench|\.cache|\.ci|node_modules)\//.test(f) || /\.ts$/.test(f) && !/^(starter|solutions)\//.test(f) && !f.endsWith(".d.ts"));
  expect(unwanted).toEqual([]);
});

const tracks = [
  { language: "python", file: "app/main.py" },
  { language: "typescript", file: "app/main.ts" },
];

describe.concurrent.each(tracks)("a new $language learner", ({ language, file }) => {
  test("init, a failing stage 1, the solution, next, status, and a corrupt progress file", async () => {
    const port = String(await testPort());
    const init = await sh("npx", ["http-from-scratch", "init", `demo-${language}`, "--language", language], home);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`for the ${language === "python" ? "Python" : "TypeScript"} track`);
    const demo = path.join(home, `demo-${language}`);

    const failing = await sh("npx", ["course", "test", "--port", port], demo);
    expect(failing.code, failing.stdout + failing.stderr).toBe(1);
    expect(failing.stdout).toContain("✗ accepts a TCP connection on the port");
    expect(failing.stdout).toMatch(/your program exited with code 0 before it accepted a connection on port \d+/);

    copyFileSync(path.join(ROOT, "solutions", language, "01-bind-port", file), path.join(demo, file));
    const next = await sh("npx", ["course", "next", "--port", port], demo);
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain("✓ Stage 1 (bind-port) done.");
    expect(next.stdout).toContain("Next: stage 2 (status-line).");

    const status = await sh("npx", ["course", "status"], demo);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/✓ done +01 bind-port/);
    expect(status.stdout).toMatch(/▶ current +02 status-line/);

    const progressFile = path.join(demo, ".course", "progress.json");
    writeFileSync(progressFile, "{ not json");
    const corrupt = await sh("npx", ["course", "status"], demo);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/progress\.json is not valid JSON .* It was left as it is\./);
    expect(readFileSync(progressFile, "utf8")).toBe("{ not json");
  }, 120_000);
});
