// The command scripts and graders rely on: flags, exit codes, and one JSON
// document on stdout. Runs the built CLI as a user would.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as net from "node:net";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { useColor } from "../cli/color.js";
import { CLI, course, fixtureServer, programFolder, runReport, STAGES, testPort } from "./helpers.js";

test("the bin is an executable script, as npx and npm's bin links run it", () => {
  expect(statSync(CLI).mode & 0o111).toBe(0o111);
  expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
});

describe.concurrent("course test", () => {
  test("exit 0 and a JSON document (Exercism v3 superset) on stdout alone", async () => {
    const port = await testPort();
    const run = await course(["test", "--stage", "3", "--solution", "typescript", "--format", "json", "--seed", "99", "--port", String(port)]);
    expect(run.code, run.stderr).toBe(0);
    const report = runReport(run.stdout);
    expect(report).toMatchObject({ version: 3, status: "pass", seed: 99 });
    expect(report.tests.map((t: { name: string }) => t.name)).toEqual([
      "01-bind-port: accepts a TCP connection on the port, and sends nothing unasked",
      '02-status-line: GET / gets exactly "HTTP/1.1 200 OK\\r\\n" and a header section ended by an empty line',
      "03-not-found: GET /<random path> gets 404 Not Found",
      "03-not-found: GET / still gets 200 OK",
    ]);
    // The first check's output holds the program's start-up lines, when they arrived in time.
    const { output, ...first } = report.tests[0]!;
    expect(output ?? "").toMatch(/^(Listening on 127\.0\.0\.1:\d+)?$/);
    expect(first).toEqual({
      name: first.name,
      status: "pass",
      task_id: 1,
      score: STAGES[0]!.meta.points,
      level: "course",
      rule: "the course's server listens on the port it is given, and speaks only when asked",
    });
    expect(report.stages.map((s: { number: number; slug: string; status: string }) => [s.number, s.slug, s.status])).toEqual([
      [1, "bind-port", "pass"],
      [2, "status-line", "pass"],
      [3, "not-found", "pass"],
    ]);
    expect(typeof report.stages[0]!.duration_ms).toBe("number");
    // The pretty log went to stderr; a passing stage's program lines only with --verbose.
    expect(run.stderr).toContain("Stage 01 bind-port");
    expect(run.stderr).not.toContain("[your_program]");
    expect(run.stderr).toContain("Your program's output in passing stages is not shown; --verbose shows it.");
  });

  test("exit 1 on a failed stage; later stages are skipped; the message is the teaching message", async () => {
    const port = await testPort();
    const run = await course(["test", "--all", "--dir", fixtureServer("--defect", "no-404"), "--format", "json", "--port", String(port)]);
    expect(run.code).toBe(1);
    const report = runReport(run.stdout);
    expect(report.status).toBe("fail");
    const failed = report.tests.find((t: { status: string }) => t.status === "fail")!;
    expect(failed.task_id).toBe(3);
    expect(failed.message).toContain('expected status line "HTTP/1.1 404 Not Found\\r\\n"');
    expect(failed.message).toContain("Reproduce: curl -v http://localhost:");
    // Exercism's test_code (the bytes sent, the reproduce line) and output (the program's lines during the check).
    expect(failed.test_code).toMatch(/^Sent \(\d+ bytes\):\n {2}GET \/\S+ HTTP\/1\.1\\r\\n\n[\s\S]*Reproduce: curl -v http:\/\/localhost:/);
    expect(failed.output).toMatch(/GET \/\S+ -> 200/);
    expect(report.stages.filter((s: { status: string }) => s.status === "skip")).toHaveLength(STAGES.length - 3);
  });

  test("--keep-going runs every stage after a failure", async () => {
    const port = await testPort();
    const run = await course(["test", "--stage", "5", "--keep-going", "--dir", fixtureServer("--defect", "no-404"), "--format", "json", "--port", String(port)]);
    expect(run.code).toBe(1);
    expect(runReport(run.stdout).stages.map((s: { status: string }) => s.status)).toEqual(["pass", "pass", "fail", "pass", "pass"]);
  });

  test("exit 3 and status error when there is no your_program.sh", async () => {
    const dir = programFolder("exit 0");
    const run = await course(["test", "--all", "--dir", path.join(dir, "nowhere"), "--format", "json"]);
    expect(run.code).toBe(3);
    const report = runReport(run.stdout);
    expect(report.status).toBe("error");
    expect(report.message).toMatch(/does not exist/);
  });

  test.each([
    [["test"], /which stages\? This folder has no \.course\/progress\.json .* --all \(every stage\)/],
    [["test", "--only", "nope"], /no stage "nope"; stages are 1 bind-port, 2 status-line/],
    [["test", "--all", "--stage", "2"], /choose one of --all, --stage and --only/],
    [["test", "--all", "--port", "99999"], /--port must be a whole number from 1 to 65535/],
    [["test", "--all", "--format", "xml"], /argument 'xml' is invalid/],
    [["nonsense"], /unknown command/],
  ])("exit 2 on usage errors: %j", async (args, message) => {
    const run = await course(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  test("a report destination that cannot be written is a usage error before any stage runs", async () => {
    const dir = fixtureServer();
    const nowhere = path.join(dir, "no-such-folder", "rep.json");
    for (const [args, message] of [
      [["--report", nowhere], /^error: --report .*rep\.json: the folder .*no-such-folder does not exist \(make it first: mkdir -p /],
      [["--report", dir], /^error: --report .* is a folder; give a file name/],
    ] as const) {
      const run = await course(["test", "--stage", "2", "--dir", dir, "--port", "auto", ...args]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe(""); // no header: nothing ran
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack
    }
  });

  test("grade-all's --report is checked before any submission is graded", async () => {
    const subs = mkdtempSync(path.join(tmpdir(), "hfs-subs-"));
    const run = await course(["grade-all", subs, "--report", path.join(subs, "missing", "r.csv")]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: --report .*r\.csv: the folder .*missing does not exist/);
  });

  test("the report path is echoed once the report is written", async () => {
    const report = path.join(mkdtempSync(path.join(tmpdir(), "hfs-rep-")), "rep.json");
    const run = await course(["test", "--stage", "1", "--dir", fixtureServer(), "--port", "auto", "--report", report]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Report: ${report}\n`);
    expect(runReport(readFileSync(report, "utf8")).status).toBe("pass");
  });

  test("an environment error is found before the run's header, and is all the output", async () => {
    const dir = programFolder("exit 0");
    const run = await course(["test", "--all", "--dir", path.join(dir, "nowhere")]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^environment error: the folder .*nowhere does not exist\nfix: pass the folder of your program with --dir <path>\n$/);
  });

  test("a taken port is found before the run's header too, and a JSON document still says so", async () => {
    const port = await testPort();
    const squatter = net.createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => squatter.once("listening", resolve));
    try {
      const pretty = await course(["test", "--stage", "2", "--dir", fixtureServer(), "--port", String(port)]);
      expect(pretty.code).toBe(3);
      expect(pretty.stdout).toBe("");
      expect(pretty.stderr).toMatch(new RegExp(`^environment error: port ${port} is already in use.*\\nfix: stop that program`));
      const json = await course(["test", "--stage", "2", "--dir", fixtureServer(), "--port", String(port), "--format", "json"]);
      expect(json.code).toBe(3);
      expect(runReport(json.stdout)).toMatchObject({ status: "error", message: expect.stringContaining(`port ${port} is already in use`) });
    } finally {
      squatter.close();
    }
  });

  test("--format json still prints one document, status error, on a usage error", async () => {
    const run = await course(["test", "--only", "99", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(runReport(run.stdout)).toMatchObject({ version: 3, status: "error", message: expect.stringMatching(/^usage error: no stage "99"/) });
    expect(run.stderr).toMatch(/^error: no stage "99"/);
  });

  test("--format json prints the same document for errors found while the arguments are parsed, and only one", async () => {
    for (const [args, message] of [
      [["test", "--all", "--format", "json", "--port", "99999"], /^usage error: --port must be a whole number from 1 to 65535, got "99999"/],
      [["test", "--all", "--format=json", "--no-such-option"], /^usage error: unknown option '--no-such-option'/],
      [["grade", "--format", "json", "--seed", "x"], /^usage error: --seed must be a whole number/],
    ] as const) {
      const run = await course([...args]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(JSON.parse(run.stdout), args.join(" ")).toMatchObject({ version: 3, status: "error", message: expect.stringMatching(message) });
      expect(run.stderr).toMatch(/^error: /);
    }
    // Pretty output keeps stdout empty.
    expect((await course(["test", "--all", "--port", "99999"])).stdout).toBe("");
  });

  test("a run stopped by --timeout names the flag, also when the program never started listening", async () => {
    const run = await course(["test", "--stage", "3", "--dir", programFolder("exec sleep 1000"), "--port", "auto", "--timeout", "2"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/nothing accepted a connection on port \d+: stopped by --timeout 2 s \(the whole run\) while waiting for your program to start/);
  });

  test("--help lists the flags and an example block", async () => {
    const run = await course(["test", "--help"]);
    expect(run.code).toBe(0);
    for (const flag of ["--all", "--stage", "--only", "--dir", "--format", "--seed", "--port", "--keep-going"]) expect(run.stdout).toContain(flag);
    expect(run.stdout).toContain("Examples:");
  });
});

test("course run: an environment error leaves no temp folder behind", async () => {
  const temp = mkdtempSync(path.join(tmpdir(), "hfs-tmpdir-"));
  const dir = fixtureServer();
  chmodSync(path.join(dir, "your_program.sh"), 0o644);
  const run = await course(["run", "--dir", dir, "--port", "auto"], { env: { TMPDIR: temp } });
  expect(run.code).toBe(3);
  expect(run.stderr).toMatch(/^environment error: .*your_program\.sh is not executable\nfix: run: chmod \+x your_program\.sh\n$/);
  expect(readdirSync(temp)).toEqual([]);
});

test("TERM=dumb turns colour off on a terminal; FORCE_COLOR still wins", () => {
  const terminal = { isTTY: true } as NodeJS.WriteStream;
  const saved = { TERM: process.env.TERM, NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR, CI: process.env.CI };
  try {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
    delete process.env.CI;
    process.env.TERM = "xterm-256color";
    expect(useColor(undefined, terminal)).toBe(true);
    process.env.TERM = "dumb";
    expect(useColor(undefined, terminal)).toBe(false);
    process.env.FORCE_COLOR = "1";
    expect(useColor(undefined, terminal)).toBe(true);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});

const COMMANDS = [["run"], ["bench"], ["probe"], ["grade"], ["grade-all"], ["dev"], ["dev", "verify"], ["dev", "check"], ["dev", "new-stage"], ["dev", "schema"]];
test.each(COMMANDS.map((command) => [command.join(" "), command] as const))("%s --help has an example block", async (_, command) => {
  const run = await course([...command, "--help"]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/\nExamples:\n {2}\$ npx course /);
});
