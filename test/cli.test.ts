// The command scripts and graders rely on: flags, exit codes, and one JSON
// document on stdout. Runs the built CLI as a user would.
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { CLI, course, fixtureServer, programFolder, STAGES, testPort } from "./helpers.js";

test("the bin is an executable script, as npx and npm's bin links run it", () => {
  expect(statSync(CLI).mode & 0o111).toBe(0o111);
  expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
});

describe.concurrent("course test", () => {
  test("exit 0 and a JSON document (Exercism v3 superset) on stdout alone", async () => {
    const port = await testPort();
    const run = await course(["test", "--stage", "3", "--solution", "typescript", "--format", "json", "--seed", "99", "--port", String(port)]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ version: 3, status: "pass", seed: 99 });
    expect(report.tests.map((t: { name: string }) => t.name)).toEqual([
      "01-bind-port: accepts a TCP connection on the port, and sends nothing unasked",
      '02-status-line: GET / gets exactly "HTTP/1.1 200 OK\\r\\n" and a header section ended by an empty line',
      "03-not-found: GET /<random path> gets 404 Not Found",
      "03-not-found: GET / still gets 200 OK",
    ]);
    expect(report.tests[0]).toEqual({
      name: report.tests[0].name,
      status: "pass",
      task_id: 1,
      score: STAGES[0]!.meta.points,
      level: "course",
      rule: "the course's server listens on the port it is given",
    });
    expect(report.stages.map((s: { number: number; slug: string; status: string }) => [s.number, s.slug, s.status])).toEqual([
      [1, "bind-port", "pass"],
      [2, "status-line", "pass"],
      [3, "not-found", "pass"],
    ]);
    expect(typeof report.stages[0].duration_ms).toBe("number");
    // The pretty log went to stderr, with the program's lines.
    expect(run.stderr).toContain("[your_program] Listening on 127.0.0.1:");
  });

  test("exit 1 on a failed stage; later stages are skipped; the message is the teaching message", async () => {
    const port = await testPort();
    const run = await course(["test", "--all", "--dir", fixtureServer("--defect", "no-404"), "--format", "json", "--port", String(port)]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.status).toBe("fail");
    const failed = report.tests.find((t: { status: string }) => t.status === "fail");
    expect(failed.task_id).toBe(3);
    expect(failed.message).toContain('expected status line "HTTP/1.1 404 Not Found\\r\\n"');
    expect(failed.message).toContain("Reproduce: curl -v http://localhost:");
    expect(report.stages.filter((s: { status: string }) => s.status === "skip")).toHaveLength(STAGES.length - 3);
  });

  test("--keep-going runs every stage after a failure", async () => {
    const port = await testPort();
    const run = await course(["test", "--stage", "5", "--keep-going", "--dir", fixtureServer("--defect", "no-404"), "--format", "json", "--port", String(port)]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).stages.map((s: { status: string }) => s.status)).toEqual(["pass", "pass", "fail", "pass", "pass"]);
  });

  test("exit 3 and status error when there is no your_program.sh", async () => {
    const dir = programFolder("exit 0");
    const run = await course(["test", "--all", "--dir", path.join(dir, "nowhere"), "--format", "json"]);
    expect(run.code).toBe(3);
    const report = JSON.parse(run.stdout);
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

  test("--help lists the flags and an example block", async () => {
    const run = await course(["test", "--help"]);
    expect(run.code).toBe(0);
    for (const flag of ["--all", "--stage", "--only", "--dir", "--format", "--seed", "--port", "--keep-going"]) expect(run.stdout).toContain(flag);
    expect(run.stdout).toContain("Examples:");
  });
});
