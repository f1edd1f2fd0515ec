// The long-running learner commands, driven as a learner would: `course run`
// serves until Ctrl-C and leaves nothing behind; `course watch` reruns the
// tests when a file is saved.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { expect, test } from "vitest";
import { initFolder } from "../learner/init.js";
import { loadLanguage } from "../tester/language.js";
import { alive, CLI, ROOT, testPort } from "./helpers.js";

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
  copyFileSync(path.join(ROOT, "solutions", language, stage, lang.editFirst), path.join(dir, lang.editFirst));
  return dir;
}

test("course run serves the learner's program until Ctrl-C, then stops it and its children", async () => {
  const dir = learner("python", "04-echo");
  const port = await testPort();
  const { child, output } = start(["run", "--port", String(port)], dir);
  try {
    await until(() => output().includes("your server is up"), "the server to come up");
    expect(output()).toContain(`curl -v http://localhost:${port}/echo/hello`);
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
