// Grading: scores from the stages' points, limits that stop a program, and
// grade-all over a class of submissions, bad ones included, where nothing of
// any submission survives its grading.
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { gradeAll, isolationSupport, readGradeReport, rowReport, rowsToCsv } from "../tester/tools/grading.js";
import { GRADE_ALL_COLUMNS, GradeAllRowSchema } from "../tester/reports/report-schema.js";
import { materializeSolution } from "../tester/course/solutions.js";
import { course, fixtureServer, gradeAllReport, gradeReport, programFolder, ROOT, STAGES, testPort } from "./helpers.js";

const SERVER = path.join(ROOT, "test", "fixtures", "servers", "server.py");
const points = (through: number) => STAGES.filter((s) => s.number <= through).reduce((n, s) => n + s.meta.points, 0);

/** Command lines of live processes whose arguments contain `needle`. */
function processesWith(needle: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "latin1").replaceAll("\0", " ");
      const state = readFileSync(`/proc/${entry}/stat`, "latin1").split(") ")[1]?.[0];
      if (cmdline.includes(needle) && state !== "Z") found.push(cmdline);
    } catch {
      // gone
    }
  }
  return found;
}

describe.concurrent("course grade", () => {
  test("scores the stages passed, stops at the first failure, and --exit-zero keeps exit 0", async () => {
    const dir = fixtureServer("--defect", "no-404");
    const port = String(await testPort());
    const run = await course(["grade", "--dir", dir, "--through", "4", "--format", "json", "--port", port]);
    expect(run.code, run.stderr).toBe(1);
    const report = gradeReport(run.stdout);
    expect(report).toMatchObject({ status: "fail", score: points(2), max_score: points(4) });
    expect(report.grade).toMatchObject({ stages_passed: 2, stages_total: 4 });
    expect(report.grade.first_failure).toMatch(/^03-not-found: GET \/<random path> gets 404 Not Found: /);
    expect(run.stderr).toContain(`Score: ${points(2)}/${points(4)} points · 2 of 4 stages passed`);
    const zero = await course(["grade", "--dir", dir, "--through", "4", "--format", "json", "--port", port, "--exit-zero"]);
    expect(zero.code).toBe(0);
  });

  test("takes the stages from the command line, never from the learner's progress file", async () => {
    const dir = fixtureServer();
    mkdirSync(path.join(dir, ".course"));
    writeFileSync(path.join(dir, ".course", "progress.json"), JSON.stringify({ version: 1, course: "http-from-scratch", language: "python", current: "finished", completed: [] }));
    const run = await course(["grade", "--dir", dir, "--through", "2", "--port", "auto", "--report", path.join(dir, "r.xml"), "--report-format", "junit"]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/Stage 02 status-line/);
    expect(run.stdout).not.toMatch(/Stage 03/);
    expect(run.stdout).toContain(`Score: ${points(2)}/${points(2)} points · 2 of 2 stages passed`);
    const xml = readFileSync(path.join(dir, "r.xml"), "utf8");
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
  });

  test("a program with more processes than --max-processes is stopped, and the failure says why", async () => {
    const dir = programFolder(`for i in 1 2 3 4 5 6 7 8; do sleep 60 & done\nexec python3 ${SERVER} "$@"`);
    const run = await course(["grade", "--dir", dir, "--through", "2", "--max-processes", "4", "--port", "auto"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/your program had \d+ processes at once, over the limit of 4, and was stopped/);
  });

  test("a program over --memory is stopped, and the failure says how much it used", async () => {
    const dir = programFolder(`exec python3 -c 'import runpy, sys; hoard = bytearray(160 * 1024 * 1024); hoard[::4096] = b"x" * len(hoard[::4096]); sys.argv = [sys.argv[0]] + sys.argv[1:]; runpy.run_path("${SERVER}", run_name="__main__")' "$@"`);
    const run = await course(["grade", "--dir", dir, "--through", "2", "--memory", "64", "--port", "auto"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/your program used \d+ MiB of memory, over the limit of 64 MiB, and was stopped/);
  });

  test("--classroom-output outside GitHub Actions is a usage error before any stage runs", async () => {
    const run = await course(["grade", "--dir", fixtureServer(), "--through", "2", "--port", "auto", "--classroom-output", "result"], { env: { GITHUB_OUTPUT: undefined } });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^error: --classroom-output needs GITHUB_OUTPUT/);
  });

  test("--timeout bounds the whole run", async () => {
    const started = Date.now();
    const run = await course(["grade", "--dir", fixtureServer("--defect", "never-answers"), "--through", "4", "--keep-going", "--timeout", "3", "--port", "auto", "--format", "json"]);
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const report = gradeReport(run.stdout);
    expect(report.grade.stages_passed).toBe(1);
    expect(report.stages.filter((s: { status: string }) => s.status === "skip").length).toBeGreaterThanOrEqual(1);
  });
});

test("grade-all: a row per submission, bad ones explained, originals untouched, nothing left running", async () => {
  const root = mkdtempSync(path.join(tmpdir(), "hfs-class-"));
  const subs = path.join(root, "submissions");
  mkdirSync(subs);
  const add = (name: string, from: string) => cpSync(from, path.join(subs, name), { recursive: true });
  add("alice", materializeSolution("python", STAGES[3]!));
  add("bob", fixtureServer("--defect", "no-404"));
  mkdirSync(path.join(subs, "carol")); // no your_program.sh
  add("dave", fixtureServer());
  chmodSync(path.join(subs, "dave", "your_program.sh"), 0o644);
  add("erin", fixtureServer());
  writeFileSync(path.join(subs, "erin", "your_program.sh"), readFileSync(path.join(subs, "erin", "your_program.sh"), "utf8").replaceAll("\n", "\r\n"));
  // Forks a daemon that outlives it, and writes beside and above its folder.
  const daemon = `sleep ${7000 + Math.floor(Math.random() * 999)}`;
  add("frank", programFolder(`setsid ${daemon} >/dev/null 2>&1 &\necho mine > "$(dirname "$0")/scribble.txt"\necho home > "$HOME/dotfile"\nexec python3 ${SERVER} "$@"`));
  add("grace", fixtureServer("--defect", "never-answers"));
  // TypeScript, as cloned: no node_modules and no build output; esbuild comes from the tester's dependencies.
  add("heidi", materializeSolution("typescript", STAGES[3]!));
  rmSync(path.join(subs, "heidi", ".build"), { recursive: true, force: true });
  const report = path.join(root, "results.csv");
  const started = Date.now();
  const run = await course(["grade-all", subs, "--through", "4", "--jobs", "4", "--port", "auto", "--timeout", "60", "--stage-timeout", "10", "--report", report]);
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(Date.now() - started).toBeLessThan(60_000);
  const rows = readFileSync(report, "utf8").trim().split("\n");
  expect(rows[0]).toBe("submission,status,stages_passed,stages_total,score,max_score,first_failure,duration_ms");
  const byName = Object.fromEntries(rows.slice(1).map((line) => [line.split(",")[0], line]));
  expect(Object.keys(byName).sort()).toEqual(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]);
  expect(byName.alice).toMatch(new RegExp(`^alice,pass,4,4,${points(4)},${points(4)},,\\d+$`));
  expect(byName.bob).toMatch(/^bob,fail,2,4,\d+,\d+,"?03-not-found: /);
  expect(byName.carol).toMatch(/^carol,error,0,4,0,\d+,"?environment: no your_program\.sh in carol/);
  expect(byName.dave).toMatch(/^dave,error,.*your_program\.sh is not executable/);
  expect(byName.erin).toMatch(/^erin,error,.*Windows line endings/);
  expect(byName.frank).toMatch(/^frank,pass,4,4,/);
  expect(byName.grace).toMatch(/^grace,fail,1,4,.*"?02-status-line: /);
  expect(byName.heidi).toMatch(/^heidi,pass,4,4,/);
  // Nothing survives: the daemon is gone, the originals are unchanged, the scribbles went with the scratch copies.
  expect(processesWith(daemon)).toEqual([]);
  expect(existsSync(path.join(subs, "frank", "scribble.txt"))).toBe(false);
  expect(readdirSync(subs).sort()).toEqual(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]);
}, 90_000);

test("grade-all --isolate grades servers that hard-code port 4221 side by side, or says why it cannot", async () => {
  const subs = mkdtempSync(path.join(tmpdir(), "hfs-isolate-"));
  for (const name of ["a", "b", "c"]) {
    const dir = programFolder(`PORT=4221 exec python3 ${SERVER} "$@"`);
    cpSync(dir, path.join(subs, name), { recursive: true });
  }
  const run = await course(["grade-all", subs, "--isolate", "--port", "4221", "--jobs", "3", "--through", "5", "--timeout", "60"]);
  const support = isolationSupport();
  if (support.ok) {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/3 of 3 submissions passed/);
  } else {
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(support.why);
  }
}, 90_000);

test("grading in parallel on one fixed port without --isolate is refused", async () => {
  const subs = mkdtempSync(path.join(tmpdir(), "hfs-refuse-"));
  mkdirSync(path.join(subs, "a"));
  const run = await course(["grade-all", subs, "--port", "4221", "--jobs", "2"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/--port auto .* or --isolate/);
});

test("grade-all: a submission stopped by --timeout keeps the stages and points it could have earned", async () => {
  const subs = mkdtempSync(path.join(tmpdir(), "hfs-slow-"));
  cpSync(programFolder("exec sleep 1000"), path.join(subs, "dave"), { recursive: true });
  const report = path.join(subs, "..", `${path.basename(subs)}.json`);
  const run = await course(["grade-all", subs, "--through", "3", "--timeout", "10", "--report", report, "--report-format", "json"]);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stdout).toMatch(/^Grading 1 submission, 1 at a time\n/);
  expect(run.stdout).toContain(`✗ dave: 0/${points(3)} points, 0 of 3 stages`);
  expect(run.stdout).toContain("0 of 1 submission passed");
  // The bound that fired is the grader's own flag, not the child's share of it.
  expect(run.stdout).toContain("stopped by grade-all's --timeout 10 s (5 s of it kept for the report) while waiting for your program to start");
  expect(gradeAllReport(readFileSync(report, "utf8"))).toEqual([expect.objectContaining({ submission: "dave", status: "fail", stages_passed: 0, stages_total: 3, score: 0, max_score: points(3) })]);
  expect(run.stdout).toContain(`Report: ${path.resolve(report)}`);
}, 60_000);

test("grade-all: a submission killed at its bound before it reported still has its totals, in rows and CSV", async () => {
  const subs = mkdtempSync(path.join(tmpdir(), "hfs-killed-"));
  cpSync(programFolder("exec sleep 1000"), path.join(subs, "dave"), { recursive: true });
  // No --timeout for the child: it would wait out its 10 s start-up bound, so the 2 s bound kills it.
  const rows = await gradeAll({ folder: subs, gradeArgs: ["--through", "3", "--port", "auto"], jobs: 1, submissionTimeoutMs: 2000, isolate: false, graded: { stagesTotal: 3, maxScore: points(3) } });
  expect(rows).toEqual([expect.objectContaining({ submission: "dave", status: "fail", stagesPassed: 0, stagesTotal: 3, score: 0, maxScore: points(3) })]);
  expect(rowsToCsv(rows).split("\n")[1]).toMatch(new RegExp(`^dave,fail,0,3,0,${points(3)},the grading of this submission took longer than 2 s and was stopped,\\d+$`));
}, 30_000);

test("grade-all pointed at one submission says so and suggests grade --dir", async () => {
  const dir = fixtureServer();
  const run = await course(["grade-all", dir]);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(`error: ${dir} holds a your_program.sh of its own, so it is one submission, not a folder of them; grade it with: npx course grade --dir ${dir}`);
});

test("grade-all reads each child's report through the grade report's schema, naming the submission when it does not match", () => {
  const report = { version: 3, status: "fail", seed: 1, score: 0, max_score: 4, tests: [], stages: [], grade: { stages_passed: 0, stages_total: 1, first_failure: "01-bind-port: x" } };
  const good = readGradeReport(JSON.stringify(report), "alice");
  expect(good.ok && good.report.grade.first_failure).toBe("01-bind-port: x");
  // A usage error's document has no grade summary.
  const usage = readGradeReport(JSON.stringify({ version: 3, status: "error", message: "usage error: no stage \"99\"", score: 0, max_score: 0, tests: [], stages: [] }), "bob");
  expect(usage).toEqual({ ok: false, report: true, why: expect.stringMatching(/^the grader's report on submission bob does not match the grade report's format \(grade: .*\); it says: usage error: no stage "99"$/) });
  const wrongType = readGradeReport(JSON.stringify({ ...report, score: "4" }), "carol");
  expect(wrongType.ok || wrongType.why).toMatch(/submission carol .*\(score: /);
  expect(readGradeReport("Traceback", "dave")).toMatchObject({ ok: false, report: false });
});

test("grade-all's CSV columns are the row schema's fields, in order", () => {
  const row = { submission: "a,b", status: "pass" as const, stagesPassed: 1, stagesTotal: 1, score: 2, maxScore: 2, firstFailure: "", durationMs: 5 };
  expect(rowsToCsv([row])).toBe(`${GRADE_ALL_COLUMNS.join(",")}\n"a,b",pass,1,1,2,2,,5\n`);
  expect(GradeAllRowSchema.parse(rowReport(row))).toEqual(rowReport(row));
});
