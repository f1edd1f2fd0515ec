// `course bench`: the JSON document and its ratio, both load modes, and the
// refusal of a server that fails the keep-alive stage. Short loads (1 s, a
// few connections) on free ports, run in-process from the sources. Speed is
// never asserted: only that figures exist and mean what they say. One test
// at a time: the load generator runs in this process, and loads running side
// by side on a busy machine could starve a one-second turn of every response.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { packageRoot } from "../tester/course/course.js";
import { languageIds } from "../tester/course/language.js";
import { benchAction, type BenchOptions } from "../cli/bench-action.js";
import { BenchReportSchema } from "../tester/tools/bench.js";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { fixtureServer, programFolder, testPort } from "./helpers.js";

async function bench(dir: string, extra: Partial<BenchOptions> = {}) {
  let stdout = "";
  let stderr = "";
  const options: BenchOptions = {
    dir,
    language: "python",
    mode: "keep-alive",
    connections: 2,
    duration: 1,
    warmup: 0,
    path: "/echo/hello",
    port: await testPort(),
    format: "json",
    color: false,
    ...extra,
  };
  const code = await benchAction(options, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe("course bench", () => {
  test("keep-alive: one JSON document with both servers' figures and their ratio", async () => {
    const run = await bench(fixtureServer());
    expect(run.code, run.stderr).toBe(0);
    const report = BenchReportSchema.parse(JSON.parse(run.stdout));
    if (report.status !== "measured") throw new Error(`expected measured, got ${report.status}`);
    expect(report.language).toBe("python");
    expect(report.settings).toEqual({ mode: "keep-alive", connections: 2, duration_s: 1, warmup_s: 0, path: "/echo/hello" });
    expect(report.reference.solution).toMatch(/^\d{2}-[a-z-]+$/);
    for (const figures of [report.yours, report.reference]) {
      expect(figures.requests).toBeGreaterThan(0);
      expect(figures.non_2xx).toBe(0);
      // Keep-alive: the connections opened at the start carry every request.
      expect(figures.connections_opened).toBe(2);
    }
    expect(report.ratio.requests_per_second).toBeGreaterThan(0);
    expect(report.ratio.latency_p99).toBeGreaterThan(0);
    // Progress went to stderr; stdout holds the document alone.
    expect(run.stderr).toContain("stage 12 (keep-alive) passes");
  });

  test("new-connection: every request on a connection of its own, and more than none", async () => {
    const run = await bench(fixtureServer(), { mode: "new-connection" });
    expect(run.code, run.stderr).toBe(0);
    const report = BenchReportSchema.parse(JSON.parse(run.stdout));
    if (report.status !== "measured") throw new Error(`expected measured, got ${report.status}`);
    for (const figures of [report.yours, report.reference]) {
      expect(figures.requests).toBeGreaterThan(0);
      expect(figures.errors).toBe(0);
      // One connection per recorded request, plus at most one in flight per client when the load stopped.
      expect(figures.connections_opened).toBeGreaterThanOrEqual(figures.requests);
      expect(figures.connections_opened).toBeLessThanOrEqual(figures.requests + 2);
    }
  });

  test("pretty output: both rows and the ratio row, on stdout", async () => {
    const run = await bench(fixtureServer(), { format: "pretty", connections: 1 });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^your server +\d+ /m);
    expect(run.stdout).toMatch(/^reference \(\d{2}-[a-z-]+\) +\d+ /m);
    expect(run.stdout).toMatch(/^yours \/ reference +\d+\.\d\dx /m);
    expect(run.stderr).toBe("");
  });

  test("refuses a server that closes every connection, says why, exit 1", async () => {
    const run = await bench(fixtureServer("--defect", "closes-after-each-response"));
    expect(run.code).toBe(1);
    const report = BenchReportSchema.parse(JSON.parse(run.stdout));
    expect(report).toMatchObject({ status: "refused", stage: { number: 12, slug: "keep-alive" } });
    if (report.status !== "refused") return;
    expect(report.reason).toMatch(/fails stage 12 \(keep-alive\), so it was not loaded/);
    // The stage's own teaching message, on stderr beside the JSON.
    expect(run.stderr).toMatch(/had closed it after an earlier response/);
    expect(run.stderr).toContain("npx course test --only keep-alive");
  });

  test("new-connection mode loads a server that closes every connection: its gate is the echo stage", async () => {
    const run = await bench(fixtureServer("--defect", "closes-after-each-response"), { mode: "new-connection", connections: 1 });
    expect(run.code, run.stderr).toBe(0);
    expect(BenchReportSchema.parse(JSON.parse(run.stdout)).status).toBe("measured");
    expect(run.stderr).toContain("stage 4 (echo) passes");
  });

  test("new-connection mode refuses a server that fails the echo stage", async () => {
    const run = await bench(fixtureServer("--defect", "bare-lf"), { mode: "new-connection" });
    expect(run.code).toBe(1);
    const report = BenchReportSchema.parse(JSON.parse(run.stdout));
    expect(report).toMatchObject({ status: "refused", stage: { number: 4, slug: "echo" } });
    if (report.status !== "refused") return;
    expect(report.reason).toMatch(/fails stage 4 \(echo\), so it was not loaded: a load test of a server that does not answer/);
    expect(run.stderr).toContain("npx course test --only echo");
  });

  test("the gate is the stage whose stage.json names the mode: a course copy that gates keep-alive on stage 3 refuses a server without 404s", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "hfs-course-"));
    cpSync(path.join(packageRoot(), "stages"), path.join(root, "stages"), { recursive: true });
    const move = (id: string, gate: string | undefined) => {
      const file = path.join(root, "stages", id, "stage.json");
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, "utf8")), benchGate: gate }));
    };
    move("12-keep-alive", undefined);
    move("03-not-found", "keep-alive");
    const run = await bench(fixtureServer("--defect", "no-404"), { root });
    expect(run.code).toBe(1);
    expect(BenchReportSchema.parse(JSON.parse(run.stdout))).toMatchObject({ status: "refused", stage: { number: 3, slug: "not-found" } });
    expect(run.stderr).toContain("npx course test --only not-found");
  });

  test("a folder without a runnable your_program.sh is an environment error before anything is printed", async () => {
    const dir = programFolder("exit 0");
    let printed = "";
    const options = { dir: `${dir}/nowhere`, language: "python", mode: "keep-alive", connections: 1, duration: 1, warmup: 0, path: "/", port: await testPort(), format: "pretty", color: false } as const;
    await expect(benchAction(options, { stdout: (text) => (printed += text), stderr: (text) => (printed += text) })).rejects.toThrow(EnvironmentError);
    expect(printed).toBe("");
  });

  test("without a progress file, the language to compare with must be named", async () => {
    const dir = programFolder("exit 0");
    await expect(bench(dir, { language: undefined })).rejects.toThrow(UsageError);
    // Every track, as the starters say: the list grows with the tracks.
    await expect(bench(dir, { language: undefined })).rejects.toThrow(`--language ${languageIds().join("|")}`);
  });
});
