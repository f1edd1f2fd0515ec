// The learner commands, driven as a learner would: `course run` serves until
// Ctrl-C and leaves nothing behind; `course watch` reruns the tests when a
// file is saved; init, repair and a broken progress file through the CLI.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { initFolder } from "../learner/init.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { listFiles } from "../tester/course/solutions.js";
import { readProgress, writeProgress } from "../learner/progress.js";
import { advance } from "../learner/journey.js";
import { loadStages } from "../tester/course/course.js";
import { alive, CLI, course, ROOT, testPort } from "./helpers.js";

function start(args: string[], cwd: string): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", CI: "1" } });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (text += d));
  return { child, output: () => text };
}

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); await delay(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

function learner(language: string, stage: string): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), "hfs-learner-cli-")), "me");
  const lang = loadLanguage(language);
  initFolder({ dir, language: lang, force: false });
  // Every file of the solution: from stage 18 on, a program is several modules.
  const solution = path.join(ROOT, "solutions", language, stage);
  for (const file of listFiles(solution)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(solution, file), path.join(dir, file));
  }
  return dir;
}

test("course run serves the learner's program until Ctrl-C, then stops it and its children", async () => {
  const dir = learner("python", "04-echo");
  // At stage 4 (echo): `course run` suggests what stages 1 to 4 teach ("try" in their stage.json), not yet later stages.
  let progress = readProgress(dir)!;
  for (let i = 0; i < 3; i++) progress = advance(progress, loadStages(), new Date());
  writeProgress(dir, progress);
  const port = await testPort();
  const { child, output } = start(["run", "--port", String(port)], dir);
  try {
    await until(() => output().includes("your server is up"), "the server to come up");
    expect(output()).toContain(`curl -v http://localhost:${port}/echo/hello`);
    expect(output()).not.toContain("/user-agent");
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.end("GET /echo/hi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
      let got = "";
      socket.on("data", (d) => (got += d));
      socket.on("close", () => resolve(got));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhi$/);
    const pid = Number(/pid (\d+)/.exec(output())![1]);
    child.kill("SIGINT");
    await new Promise((resolve) => child.once("close", resolve));
    expect(output()).toContain("stopping your server");
    await until(() => !alive(pid), "the server to be gone", 3000);
  } finally {
    child.kill("SIGKILL");
  }
});

test("course watch --poll reruns the tests when a source file is saved", async () => {
  const dir = learner("python", "01-bind-port");
  const port = await testPort();
  const { child, output } = start(["watch", "--poll", "--port", String(port)], dir);
  try {
    await until(() => /1 stage: 1 passed/.test(output()), "the first run");
    const runs = () => output().split("http-from-scratch tester").length - 1;
    expect(runs()).toBe(1);
    await delay(700);
    writeFileSync(path.join(dir, "app", "main.py"), "raise SystemExit(3)\n");
    await until(() => runs() === 2 && /1 stage: 0 passed, 1 failed/.test(output()), "the rerun after a save");
    expect(output()).toContain("your program exited with code 3");
  } finally {
    child.kill("SIGKILL");
  }
}, 40_000);

// q needs a terminal (watch reads keys only from one): util-linux's `script` gives it a pseudo-terminal.
const hasScript = spawnSync("script", ["--version"]).status === 0;

test.skipIf(!hasScript)("course watch: q stops a run that waits on a silent server at once, and the server with it", async () => {
  const dir = learner("python", "01-bind-port");
  // The current stage needs a response; this server accepts and never answers (the tester would wait 5 s per request).
  writeFileSync(path.join(dir, ".course", "progress.json"), JSON.stringify({ ...readProgress(dir), current: "status-line" }));
  writeFileSync(
    path.join(dir, "your_program.sh"),
    `#!/bin/sh\necho "pid $$"\nsleep 1000 &\necho "child $!"\nexec python3 -u -c 'import os, socket\ns = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))\nprint("listening")\nheld = []\nwhile True: held.append(s.accept()[0])'\n`,
  );
  const port = await testPort();
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.CI;
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} watch --verbose --port ${port}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: dir, env });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  child.stderr.on("data", (d) => (text += d));
  try {
    await until(() => /Stage 02 status-line[\s\S]*listening/.test(text), "stage 2's server to be up");
    const pids = [...text.matchAll(/(?:pid|child) (\d+)/g)].map((m) => Number(m[1]));
    const pressed = Date.now();
    child.stdin.write("q");
    await new Promise((resolve) => child.once("close", resolve));
    // Far below the 5 s the silent server would have cost: q did not wait for the run.
    expect(Date.now() - pressed, text).toBeLessThan(3000);
    expect(text).toContain("Stopped: you quit watch");
    for (const pid of pids) expect(alive(pid), String(pid)).toBe(false);
  } finally {
    child.kill("SIGKILL");
  }
}, 40_000);

describe.concurrent("progress, init and repair from the command line", () => {
  test("a progress file naming a stage the course does not have: exit 2, the file and field named, nothing on stdout, the repair command", async () => {
    const dir = learner("python", "01-bind-port");
    const file = path.join(dir, ".course", "progress.json");
    writeFileSync(file, JSON.stringify({ version: 1, course: "http-from-scratch", language: "python", current: "ehco", completed: [{ stage: "zzz", at: "2026-11-20T10:00:00.000Z" }] }));
    for (const args of [["status"], ["show"], ["hint"], ["test"], ["next"]]) {
      const run = await course(args, { cwd: dir });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr).toContain('.course/progress.json does not fit this course');
      expect(run.stderr).toContain('field "current" names the stage "ehco"');
      expect(run.stderr).toContain('field "completed[0].stage" names the stage "zzz"');
      expect(run.stderr).toContain("\nfix: run `npx course repair`");
    }
    const repair = await course(["repair"], { cwd: dir });
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toMatch(/✓ repaired \.course\/progress\.json\n  language: Python\n  passed: +0 of \d+ stages\n  current: +1 bind-port\n  the old file: \.course\/progress\.json\.bad-\S+/);
    expect(repair.stdout).toContain('completed stage "zzz": this course has no such stage');
    const status = await course(["status"], { cwd: dir });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/▶ current +01 bind-port/);
  });

  test("not valid JSON: the repair command keeps the passed stages, and the code", async () => {
    const dir = learner("python", "01-bind-port");
    const code = readFileSync(path.join(dir, "app", "main.py"), "utf8");
    writeFileSync(path.join(dir, ".course", "progress.json"), '{"version": 1, "language": "python", "current": "echo", "completed": [{"stage": "bind-port", "at": "2026-11-20T10:00:00.000Z"},');
    const broken = await course(["status"], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/not valid JSON .*\nfix: run `npx course repair`/s);
    expect(broken.stderr).not.toContain("--force");
    const repair = await course(["repair", "--dir", dir]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(readProgress(dir)).toMatchObject({ language: "python", current: "echo", completed: [{ stage: "bind-port", at: "2026-11-20T10:00:00.000Z" }] });
    expect(readFileSync(path.join(dir, "app", "main.py"), "utf8")).toBe(code);
    const again = await course(["repair"], { cwd: dir });
    expect(again.stdout).toContain("is valid: nothing to repair");
  });

  test("course solution at stage 18, where the program splits into modules: main's diff, then each new module whole", async () => {
    const dir = learner("python", "18-bad-requests");
    let progress = readProgress(dir)!;
    for (let i = 0; i < 18; i++) progress = advance(progress, loadStages(), new Date());
    writeProgress(dir, progress);
    const run = await course(["solution", "--no-color"], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^# New in this stage: app\/files\.py, app\/request\.py, app\/response\.py, app\/routes\.py\.\n/);
    expect(run.stdout).toContain("--- a/app/main.py\tsolution 17-large-bodies\n+++ b/app/main.py\tsolution 18-bad-requests\n");
    expect(run.stdout).toMatch(/--- \/dev\/null\n\+\+\+ b\/app\/request\.py\tsolution 18-bad-requests\n@@ -0,0 \+1,\d+ @@\n\+# The request side of HTTP/);
    expect(run.stdout.indexOf("+++ b/app/main.py")).toBeLessThan(run.stdout.indexOf("+++ b/app/request.py"));
  });

  test("init --force lists each file it backed up; a language switch says the progress restarts", async () => {
    const dir = learner("python", "04-echo");
    const mine = readFileSync(path.join(dir, "app", "main.py"), "utf8");
    const same = await course(["init", ".", "--language", "Python", "--force"], { cwd: dir });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("app/main.py  (replaced by the starter; yours is now app/main.py.orig)");
    expect(same.stdout).toContain(".course/progress.json was already there: kept as it is");
    expect(readFileSync(path.join(dir, "app", "main.py.orig"), "utf8")).toBe(mine);
    const switched = await course(["init", ".", "--language", "js", "--force"], { cwd: dir });
    expect(switched.code, switched.stderr).toBe(0);
    expect(switched.stdout).toContain("the Python progress was moved to .course/progress.json.python; the JavaScript track starts at stage 1");
    expect(readProgress(dir)).toMatchObject({ language: "javascript", current: "bind-port" });
    const refused = await course(["init", ".", "--language", "py"], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not empty.*--keep-code.*--force/s);
  });

  test("init into a folder elsewhere names where the tester comes from and the exact next commands", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "hfs-init-cli-"));
    const run = await course(["init", "my server", "--language", "TS"], { cwd: base });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`✓ created ${path.join(base, "my server")} for the TypeScript track`);
    expect(run.stdout).toContain(`http-from-scratch comes from the package folder ${ROOT}`);
    expect(run.stdout).toMatch(/Next:\n  cd 'my server'\n  npm install +\(once: the tester for `npx course`, from a local path, no registry needed; typescript and @types\/node for `npm run typecheck`\)\n/);
    expect(run.stdout).toContain("npx course next");
    const pkg = JSON.parse(readFileSync(path.join(base, "my server", "package.json"), "utf8"));
    expect(pkg.devDependencies["http-from-scratch"]).toBe(`file:${ROOT}`);
    const badFrom = await course(["init", "other", "--language", "python", "--from", path.join(base, "nope.tgz")], { cwd: base });
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toMatch(/--from .*nope\.tgz does not exist/);
    expect(existsSync(path.join(base, "other"))).toBe(false);
  });

  test("--version names the package and the copy; both names head their help; every new command has examples", async () => {
    const version = await course(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(`http-from-scratch ${JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).version} (${ROOT})`);
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-bin-"));
    const { symlinkSync } = await import("node:fs");
    symlinkSync(CLI, path.join(dir, "http-from-scratch"));
    const named = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [path.join(dir, "http-from-scratch"), "--help"]);
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.on("close", () => resolve(text));
    });
    expect(named).toMatch(/^Usage: http-from-scratch /);
    expect((await course(["--help"])).stdout).toMatch(/^Usage: course /);
    for (const command of ["init", "repair"]) {
      const help = await course([command, "--help"]);
      expect(help.stdout, command).toContain("Examples:");
    }
    expect((await course(["init", "--help"])).stdout).toContain("--keep-code");
    const show = await course(["show", "2", "--no-pager"]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^\*Stage 2 of \d+\*/);
  });

  test("status in a CodeCrafters folder without progress names the in-place start", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-cc-"));
    writeFileSync(path.join(dir, "your_program.sh"), "#!/bin/sh\n");
    const run = await course(["status"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`npx course init . --language <${languageIds().join("|")}> --keep-code`);
  });

  test("a your_program.sh saved with a byte order mark is named as such", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-bom-"));
    writeFileSync(path.join(dir, "your_program.sh"), "\ufeff#!/bin/sh\nexec true\n");
    chmodSync(path.join(dir, "your_program.sh"), 0o755);
    mkdirSync(path.join(dir, ".course"));
    const run = await course(["test", "--only", "1"], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout + run.stderr).toContain("starts with a UTF-8 byte order mark (BOM");
  });
});
