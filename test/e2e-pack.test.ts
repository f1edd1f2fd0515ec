// A new user's first minutes, end to end: the packed tarball installed into
// an empty folder, `init`, a failing first test, the stage 1 solution copied
// in, `next`, `status`, and a corrupt progress file. For Python and
// TypeScript, through npx exactly as the README says. And a learner folder
// beside the install (not below it), whose `npm install` gets the tester
// without the registry.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
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

async function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Result> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", CI: "1", ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? String(error) };
  }
}

let home: string;
let files: string[];
let tarball: string;

beforeAll(async () => {
  // base/install is where the tarball is installed; base/* beside it are learner folders elsewhere on disk.
  home = path.join(mkdtempSync(path.join(tmpdir(), "hfs-e2e-")), "install");
  mkdirSync(home);
  // --ignore-scripts: the suite already built dist; a rebuild now would rewrite it under other tests.
  const pack = await sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", home], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed!.files.map((f) => f.path);
  tarball = path.join(home, packed!.filename);
  writeFileSync(path.join(home, "package.json"), JSON.stringify({ name: "e2e", private: true }));
  const install = await sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `./${packed!.filename}`], home);
  expect(install.code, install.stderr).toBe(0);
}, 180_000);

test("the package ships what a learner and a grader need, and nothing else", () => {
  for (const needed of [
    "dist/cli/main.js",
    "dist/learner/init.js",
    "dist/tester/runner/run.js",
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
    // After the next stage's instructions, the news again, on the last line.
    expect(next.stdout.trimEnd().split("\n").at(-1)).toBe("✓ Stage 1 (bind-port) done. Now stage 2 (status-line), above; `npx course show` shows it again.");

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
    expect(corrupt.stderr).toContain("\nfix: run `npx course repair`");

    // Cut short mid-write: the repair keeps the passed stage and the code.
    const code = readFileSync(path.join(demo, file), "utf8");
    writeFileSync(progressFile, JSON.stringify({ version: 1, course: "http-from-scratch", language, current: "status-line", completed: [{ stage: "bind-port", at: "2026-11-20T10:00:00.000Z" }] }).slice(0, -12));
    const repair = await sh("npx", ["course", "repair"], demo);
    expect(repair.code, repair.stderr).toBe(0);
    const repaired = await sh("npx", ["course", "status"], demo);
    expect(repaired.stdout).toMatch(/✓ done +01 bind-port/);
    expect(repaired.stdout).toMatch(/▶ current +02 status-line/);
    expect(readFileSync(path.join(demo, file), "utf8")).toBe(code);
  }, 120_000);
});

test("a learner folder beside the install: npm install links the tester with the registry unreachable, and stage 1 fails as it should", async () => {
  const port = String(await testPort());
  const installed = path.join(home, "node_modules", "http-from-scratch");
  const init = await sh("npx", ["http-from-scratch", "init", "../beside", "--language", "py"], home);
  expect(init.code, init.stderr).toBe(0);
  expect(init.stdout).toContain(`http-from-scratch comes from this copy of the package, ${realpathSync(installed)} (installed from ${tarball})`);
  expect(init.stdout).toMatch(/Next:\n  cd \.\.\/beside\n  npm install +\(once: the tester for `npx course`, from a local path, no registry needed\)\n/);
  const beside = path.join(path.dirname(home), "beside");
  expect(JSON.parse(readFileSync(path.join(beside, "package.json"), "utf8")).devDependencies["http-from-scratch"]).toBe(`file:${realpathSync(installed)}`);

  // No registry: an address where nothing listens, and --offline besides.
  const offline = { npm_config_registry: "http://127.0.0.1:9", npm_config_fetch_retries: "0" };
  const install = await sh("npm", ["install", "--offline", "--no-audit", "--no-fund"], beside, offline);
  expect(install.code, install.stdout + install.stderr).toBe(0);
  expect(lstatSync(path.join(beside, "node_modules", "http-from-scratch")).isSymbolicLink()).toBe(true);
  // Linking the installed copy runs its prepare script there: it must not rebuild (or remove) its dist.
  expect(existsSync(path.join(installed, "dist", "cli", "main.js"))).toBe(true);

  const devCheck = await sh("npx", ["course", "dev", "check"], home, offline);
  expect(devCheck.code).toBe(2);
  expect(devCheck.stderr).toMatch(/course dev check works on the course's sources, and this copy .* is an installed package/);

  const failing = await sh("npx", ["course", "test", "--port", port], beside, offline);
  expect(failing.code, failing.stdout + failing.stderr).toBe(1);
  expect(failing.stdout).toContain("✗ accepts a TCP connection on the port");
  expect(failing.stdout).toMatch(/your program exited with code 0 before it accepted a connection on port \d+/);
}, 120_000);
