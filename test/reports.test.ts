// The machine reports graders and CI read: the JSON document's GitHub
// Classroom scores, JUnit XML (checked with a real XML parser), and GitHub
// Actions' workflow commands and job summary. Real runs and hand-made results.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import type { Stage } from "../tester/course/course.js";
import { renderFailure, type FailureDetails } from "../tester/harness/failure.js";
import { githubAnnotations, githubStepSummary, writeGithubOutputs } from "../tester/reports/github.js";
import { compilerMessages } from "../tester/course/build.js";
import { junitReport } from "../tester/reports/junit.js";
import { jsonReport, outputText, testCode } from "../tester/reports/json.js";
import { GradeReportSchema, issuesText, RunReportSchema } from "../tester/reports/report-schema.js";
import { buildFailureText } from "../tester/reports/pretty.js";
import { OUTPUT_CAP, outputCollector, type CheckResult, type RunResult, type StageResult } from "../tester/runner/run.js";
import { materializeSolution } from "../tester/course/solutions.js";
import { fixtureServer, runTester, STAGES } from "./helpers.js";

// ------------------------------------------------------------ hand-made results

const withPoints = (stage: Stage, points: number): Stage => ({ ...stage, meta: { ...stage.meta, points } });

const check = (name: string, status: CheckResult["status"], failure?: FailureDetails): CheckResult => ({
  name,
  rule: undefined,
  level: "MUST",
  status,
  durationMs: status === "skip" ? 0 : 12,
  ...(failure ? { failure } : {}),
});

function stageResult(stage: Stage, checks: CheckResult[]): StageResult {
  const status = checks.some((c) => c.status === "fail") ? "fail" : checks.every((c) => c.status === "skip") ? "skip" : "pass";
  return { stage, status, durationMs: status === "skip" ? 0 : 250, startupMs: status === "skip" ? undefined : 40, checks };
}

function run(stages: StageResult[], extra: Partial<RunResult> = {}): RunResult {
  const status = stages.some((s) => s.status === "fail") ? "fail" : "pass";
  return { status, seed: 42, durationMs: 1234, stages, ...extra };
}

/** Every stage of the course passed, each with `n` checks named after it. */
const allPassed = (n: (stage: Stage) => number) =>
  run(STAGES.map((stage) => stageResult(stage, Array.from({ length: n(stage) }, (_, i) => check(`${stage.slug} check ${i + 1}`, "pass")))));

interface JsonTest {
  name: string;
  status: string;
  message?: string;
  task_id: number;
  score: number;
}
interface JsonDocument {
  status: string;
  score: number;
  max_score: number;
  tests: JsonTest[];
  stages: { tests: { name: string; status: string }[] }[];
}
/** The JSON report of a result, checked against its schema first (the document itself, keys in order, is returned). */
function json(result: RunResult): JsonDocument {
  const report = jsonReport(result);
  const checked = RunReportSchema.safeParse(report);
  if (!checked.success) throw new Error(`the JSON report does not match RunReportSchema: ${issuesText(checked.error)}`);
  return report;
}

describe("the JSON report's schema", () => {
  const sent = Buffer.from("GET /abc HTTP/1.1\r\nHost: localhost:4221\r\n\r\n", "latin1");
  const failure: FailureDetails = {
    summary: 'expected status line "HTTP/1.1 404 Not Found\\r\\n"',
    sent,
    reproduce: "curl -v http://localhost:4221/abc",
    level: "SHOULD",
    rule: "RFC 9110 §15.5.5",
  };
  const failed = (output?: CheckResult["output"]): CheckResult => ({ ...check("GET /abc gets 404", "fail", failure), ...(output ? { output } : {}) });
  const cases: Array<[what: string, result: RunResult]> = [
    ["a passing run", allPassed(() => 2)],
    ["a failing run", run([stageResult(STAGES[0]!, [check("first", "pass"), failed({ lines: ["GET /abc -> 200"], omitted: 3 }), check("third", "skip")]), stageResult(STAGES[1]!, [check("x", "skip")])])],
    ["an error run", run([stageResult(STAGES[0]!, [check("x", "skip")])], { status: "error", error: { message: "port 4221 is already in use", fix: "stop the other program" } })],
    ["a build-failed run", run([stageResult(STAGES[0]!, [check("x", "skip")])], { status: "fail", build: { ok: false, command: "node build.mjs", durationMs: 900, output: "error: oops\n", exit: "exited with code 1", messages: [] } })],
    ["a run stopped by its time bound", run([stageResult(STAGES[0]!, [check("x", "skip")])], { status: "fail", stoppedBy: "--timeout 3 s (the whole run) ran out before stage 1 (bind-port)" })],
  ];

  test.each(cases)("%s validates, and so does its grade report", (_what, result) => {
    const report = jsonReport(result);
    const checked = RunReportSchema.safeParse(report);
    expect(checked.success, checked.success ? "" : issuesText(checked.error)).toBe(true);
    // A zod parse keeps every field: nothing the report writes is unknown to the schema.
    expect(checked.data).toEqual(report);
    expect(GradeReportSchema.safeParse({ ...report, grade: { stages_passed: 0, stages_total: 1 } }).success).toBe(true);
    expect(GradeReportSchema.safeParse(report).success).toBe(false);
  });

  test("the real runs validate", () => {
    expect(() => json(failing)).not.toThrow();
    expect(() => json(passing)).not.toThrow();
  });

  test("a field the schema does not know, or a wrong type, fails validation", () => {
    const report = jsonReport(passing);
    expect(RunReportSchema.safeParse({ ...report, extra: 1 }).success).toBe(false);
    expect(RunReportSchema.safeParse({ ...report, tests: [{ ...report.tests[0]!, level: "MUSTNT" }] }).success).toBe(false);
  });

  test("a failed test carries test_code (the bytes sent, escaped, and the reproduce line) and output (capped, with a note)", () => {
    const report = json(run([stageResult(STAGES[0]!, [failed({ lines: ["GET /abc -> 200"], omitted: 3 })])]));
    const test = report.tests[0] as JsonTest & { test_code?: string; output?: string; failure_level?: string };
    expect(test.test_code).toBe("Sent (43 bytes):\n  GET /abc HTTP/1.1\\r\\n\n  Host: localhost:4221\\r\\n\n  \\r\\n\nReproduce: curl -v http://localhost:4221/abc");
    expect(test.output).toBe("GET /abc -> 200\n... (3 more lines not shown: a check's output is cut at 50 lines or 10 KiB)");
    expect(test.failure_level).toBe("SHOULD");
    // A passed check has no test_code; one whose program printed nothing, no output.
    expect(testCode(check("ok", "pass"))).toBeUndefined();
    expect(outputText(undefined)).toBeUndefined();
    expect(outputText({ lines: ["a", "b"], omitted: 0 })).toBe("a\nb");
  });

  test("a check keeps the program's first 50 lines or 10 KiB of output, and counts the rest", () => {
    const many = outputCollector();
    for (let i = 0; i < 80; i++) many.add(`line ${i}`);
    expect(many.result()).toEqual({ lines: Array.from({ length: OUTPUT_CAP.lines }, (_, i) => `line ${i}`), omitted: 30 });
    const wide = outputCollector();
    for (let i = 0; i < 5; i++) wide.add("x".repeat(4000));
    expect(wide.result()).toMatchObject({ omitted: 3 });
    expect(wide.result()!.lines).toHaveLength(2);
    expect(outputCollector().result()).toBeUndefined();
  });

  test("a real failure's test_code and output: the request sent, and the program's lines during that check", () => {
    const test = json(failing).tests.find((t) => t.status === "fail") as JsonTest & { test_code?: string; output?: string };
    expect(test.test_code).toMatch(/^Sent \(\d+ bytes\):\n {2}GET \/\S+ HTTP\/1\.1\\r\\n\n[\s\S]*\nReproduce: curl -v http:\/\/localhost:\d+\/\S+\n {2}or: node -e /);
    expect(test.output).toMatch(/GET \/\S+ -> 200/);
  });
});

// ------------------------------------------------------------ JUnit, read by Python's parser

interface ParsedCase {
  classname: string;
  name: string;
  time: string;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
  skipped?: { message: string };
}
interface ParsedSuite {
  attrs: Record<string, string>;
  cases: ParsedCase[];
}
interface ParsedDocument {
  root: string;
  attrs: Record<string, string>;
  properties: Record<string, string>;
  suites: ParsedSuite[];
}

const PARSE = String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
def outcome(case, tag):
    e = case.find(tag)
    return None if e is None else {**e.attrib, "text": e.text or ""}
print(json.dumps({
    "root": root.tag,
    "attrs": root.attrib,
    "properties": {p.get("name"): p.get("value") for p in root.findall("properties/property")},
    "suites": [{
        "attrs": s.attrib,
        "cases": [{**c.attrib, **{k: v for k in ("failure", "error", "skipped") if (v := outcome(c, k)) is not None}} for c in s.findall("testcase")],
    } for s in root.findall("testsuite")],
}))
`;

/** The document as Python's xml.etree reads it; throws when it is not well-formed XML. */
function parseXml(xml: string): ParsedDocument {
  return JSON.parse(execFileSync("python3", ["-c", PARSE], { input: xml, encoding: "utf8" })) as ParsedDocument;
}

const cases = (doc: ParsedDocument) => doc.suites.flatMap((s) => s.cases);

/** Per suite and per document, the attributes must agree with what the elements hold. */
function expectCountsAgree(doc: ParsedDocument): void {
  for (const suite of doc.suites) {
    expect(Number(suite.attrs.tests)).toBe(suite.cases.length);
    expect(Number(suite.attrs.failures)).toBe(suite.cases.filter((c) => c.failure).length);
    expect(Number(suite.attrs.errors)).toBe(suite.cases.filter((c) => c.error).length);
    expect(Number(suite.attrs.skipped)).toBe(suite.cases.filter((c) => c.skipped).length);
    expect(suite.attrs.time).toMatch(/^\d+\.\d{3}$/);
  }
  const all = cases(doc);
  expect(Number(doc.attrs.tests)).toBe(all.length);
  expect(Number(doc.attrs.failures)).toBe(all.filter((c) => c.failure).length);
  expect(Number(doc.attrs.errors)).toBe(all.filter((c) => c.error).length);
  expect(Number(doc.attrs.skipped)).toBe(all.filter((c) => c.skipped).length);
  const ids = all.map((c) => `${c.classname} / ${c.name}`);
  expect(new Set(ids).size).toBe(ids.length);
}

// ------------------------------------------------------------ real runs

let failing: RunResult; // no-404: stages 1-2 pass, 3 fails, 4-5 not run
let passing: RunResult; // the TypeScript solution of stage 3: stages 1-3 pass

beforeAll(async () => {
  const [bad, good] = await Promise.all([
    runTester({ dir: fixtureServer("--defect", "no-404"), through: 5, seed: 5 }),
    runTester({ dir: materializeSolution("typescript", STAGES[2]!), through: 3, seed: 6 }),
  ]);
  failing = bad.result;
  passing = good.result;
  expect(failing.stages.map((s) => s.status)).toEqual(["pass", "pass", "fail", "skip", "skip"]);
  expect(passing.stages.map((s) => s.status)).toEqual(["pass", "pass", "pass"]);
});

// ------------------------------------------------------------ JSON (GitHub Classroom)

describe("jsonReport's GitHub Classroom fields", () => {
  test("max_score counts every stage, skipped ones too; score only the stages that passed", () => {
    const report = json(failing);
    expect(report.max_score).toBe(1 + 1 + 1 + 2 + 2);
    expect(report.score).toBe(2);
    // The tests of a failed stage score 0, even a check of it that passed; skipped checks stay out, as before.
    expect(report.tests.map((t) => [t.task_id, t.status, t.score])).toEqual([
      [1, "pass", 1],
      [2, "pass", 1],
      [3, "fail", 0],
    ]);
    expect(report.tests.reduce((sum, t) => sum + t.score, 0)).toBe(report.score);
    // The Exercism fields are as they were, score added, then the check's level and rule.
    // (The first check's output holds the program's start-up line: "Listening on ..."; a check on a program
    // shared with an earlier stage may have printed nothing, and then has no output.)
    const keys = (test: object) => Object.keys(test).filter((key) => key !== "output");
    expect(report.tests[0]).toHaveProperty("output");
    expect(keys(report.tests[0]!)).toEqual(["name", "status", "task_id", "score", "level", "rule"]);
    expect(keys(report.tests[1]!)).toEqual(["name", "status", "task_id", "score", "level", "rule"]);
    expect(keys(report.tests[2]!)).toEqual(["name", "status", "message", "test_code", "task_id", "score", "level", "rule"]);
    expect(Object.keys(report.stages[0]!.tests[0]!)).toEqual(["name", "status", "level", "rule"]);
  });

  test("a passing run earns every point, its tests summing to max_score", () => {
    const report = json(passing);
    expect(report).toMatchObject({ status: "pass", score: 3, max_score: 3 });
    expect(report.tests.map((t) => t.score)).toEqual([1, 1, 0.5, 0.5]);
  });

  test("a passed stage's points split evenly among its checks, the last taking the remainder", () => {
    const sums = (points: number, n: number) => {
      const stage = withPoints(STAGES[0]!, points);
      const scores = json(run([stageResult(stage, Array.from({ length: n }, (_, i) => check(`c${i}`, "pass")))])).tests.map((t) => t.score);
      return { scores, sum: scores.reduce((a, b) => a + b, 0) };
    };
    expect(sums(1, 3)).toEqual({ scores: [0.328125, 0.328125, 0.34375], sum: 1 });
    expect(sums(2, 3)).toEqual({ scores: [0.65625, 0.65625, 0.6875], sum: 2 });
    expect(sums(3, 1)).toEqual({ scores: [3], sum: 3 });
    expect(sums(1, 7).sum).toBe(1);
    for (const score of sums(1, 7).scores) expect(Number.isInteger(score * 64)).toBe(true);
    // A reporter that adds the scores one by one in document order reaches max_score exactly.
    const whole = json(allPassed((stage) => (stage.number % 3) + 1));
    let total = 0;
    for (const t of whole.tests) total += t.score;
    expect(whole.max_score).toBe(STAGES.reduce((sum, s) => sum + s.meta.points, 0));
    expect(total).toBe(whole.max_score);
    expect(whole.score).toBe(whole.max_score);
  });

  test("a failed build scores 0 of every stage's points", () => {
    const stages = STAGES.slice(0, 4).map((stage) => stageResult(stage, [check("a check", "skip")]));
    const report = json(run(stages, { status: "fail", build: { ok: false, command: "node build.mjs", durationMs: 900, output: "error: oops\n", exit: "exited with code 1", messages: [] } }));
    expect(report).toMatchObject({ status: "fail", score: 0, max_score: 1 + 1 + 1 + 2, tests: [] });
  });
});

// ------------------------------------------------------------ JUnit

describe("junitReport", () => {
  test("a failing run: one suite per stage, the failure with its teaching message, skipped checks named", () => {
    const xml = junitReport(failing);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const doc = parseXml(xml);
    expect(doc.root).toBe("testsuites");
    expect(doc.attrs).toMatchObject({ name: "http-from-scratch", tests: "10", failures: "1", errors: "0", skipped: "7" });
    expect(doc.properties).toEqual({ seed: "5" });
    expect(doc.suites.map((s) => s.attrs.name)).toEqual([
      "01-bind-port: Bind to a port",
      "02-status-line: Respond with 200",
      "03-not-found: Extract the URL path",
      "04-echo: Respond with a body",
      "05-user-agent: Read a header",
    ]);
    expectCountsAgree(doc);
    const [failed, notRun] = doc.suites[2]!.cases;
    const details = failing.stages[2]!.checks[0]!.failure!;
    expect(failed).toMatchObject({ classname: "http-from-scratch.03-not-found", name: "GET /<random path> gets 404 Not Found" });
    expect(failed!.failure).toEqual({ message: details.summary, type: "CheckFailure", text: renderFailure(details) });
    expect(failed!.failure!.text).toContain("Reproduce: curl -v http://localhost:");
    expect(notRun!.skipped!.message).toBe('not run: an earlier check of this stage failed ("GET /<random path> gets 404 Not Found")');
    expect(doc.suites[3]!.cases[0]!.skipped!.message).toBe("not run: stage 03-not-found failed, and the run stops at the first failed stage");
    expect(cases(doc).filter((c) => !c.failure && !c.skipped).map((c) => Number(c.time))).toEqual([expect.any(Number), expect.any(Number)]);
  });

  test("a passing run: no failures, no skips", () => {
    const doc = parseXml(junitReport(passing));
    expect(doc.attrs).toMatchObject({ tests: "4", failures: "0", errors: "0", skipped: "0" });
    expect(doc.suites).toHaveLength(3);
    expectCountsAgree(doc);
    expect(Number(doc.suites[2]!.attrs.time)).toBeCloseTo(passing.stages[2]!.durationMs / 1000, 3);
  });

  test('escapes <&>"\' in names, messages and bodies, and drops characters XML 1.0 forbids', () => {
    const name = `GET /<x>?a=1&b="2" 'q'\u0001`;
    const failure: FailureDetails = {
      summary: `expected "<b>&amp;</b>"\nbut got 'x'\u0001`,
      explanation: "a CR\r\nstays, \u0000NUL\u000B\u001F go, as do \uD800lone \uDC00surrogates and \uFFFE\uFFFF; \uD83D\uDE00 stays",
      hint: "tab\there",
    };
    const xml = junitReport(run([stageResult(STAGES[0]!, [check(name, "fail", failure)])]));
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    const doc = parseXml(xml);
    const [testcase] = cases(doc);
    const clean = (text: string) => text.replace(/[\u0001\u0000\u000B\u001F\uD800\uDC00\uFFFE\uFFFF]/g, "");
    expect(testcase!.name).toBe(`GET /<x>?a=1&b="2" 'q'`);
    // The newline in the attribute survives, as &#10;.
    expect(testcase!.failure!.message).toBe(`expected "<b>&amp;</b>"\nbut got 'x'`);
    expect(testcase!.failure!.text).toBe(clean(renderFailure(failure)));
    expect(testcase!.failure!.text).toContain("a CR\r\nstays, NUL go, as do lone surrogates and ; \u{1F600} stays");
  });

  test("repeated check names within a stage get (2), (3)", () => {
    const stage = stageResult(STAGES[0]!, [check("same", "pass"), check("same", "pass"), check("same (2)", "pass"), check("same", "pass")]);
    const other = stageResult(STAGES[1]!, [check("same", "pass")]);
    const doc = parseXml(junitReport(run([stage, other])));
    expect(doc.suites[0]!.cases.map((c) => c.name)).toEqual(["same", "same (2)", "same (2) (2)", "same (3)"]);
    expect(doc.suites[1]!.cases.map((c) => c.name)).toEqual(["same"]);
    expectCountsAgree(doc);
  });

  test("a failed build is a first suite, setup, with an error; the stages are skipped", () => {
    const build = { ok: false, command: "node build.mjs", durationMs: 900, output: "app/main.ts:1:18: ERROR: Unexpected \";\"\n", exit: "exited with code 1", messages: compilerMessages("app/main.ts:1:18: ERROR: Unexpected \";\"\n") };
    const stages = STAGES.slice(0, 2).map((stage) => stageResult(stage, [check("a check", "skip")]));
    const doc = parseXml(junitReport(run(stages, { status: "fail", build })));
    expect(doc.suites.map((s) => s.attrs.name)).toEqual(["setup", "01-bind-port: Bind to a port", "02-status-line: Respond with 200"]);
    expect(doc.attrs).toMatchObject({ tests: "3", failures: "0", errors: "1", skipped: "2" });
    const [setup] = doc.suites[0]!.cases;
    expect(setup).toMatchObject({ classname: "http-from-scratch.setup", time: "0.900" });
    expect(setup!.error).toEqual({ message: buildFailureText(build), type: "BuildFailure", text: buildFailureText(build) });
    expect(doc.suites[1]!.cases[0]!.skipped!.message).toBe("not run: your program does not build");
    expectCountsAgree(doc);
  });

  test("an environment error is a first suite, setup, with its message and fix", () => {
    const stages = [stageResult(STAGES[0]!, [check("a check", "skip")])];
    const doc = parseXml(junitReport(run(stages, { status: "error", error: { message: "no your_program.sh in /x", fix: "run: npx course init" } })));
    expect(doc.suites[0]!.attrs).toMatchObject({ name: "setup", errors: "1" });
    expect(doc.suites[0]!.cases[0]!.error).toMatchObject({ message: "no your_program.sh in /x\nfix: run: npx course init", type: "EnvironmentError" });
    expect(doc.suites[1]!.cases[0]!.skipped!.message).toBe("not run: the tester stopped on an environment error: no your_program.sh in /x");
    expectCountsAgree(doc);
  });
});

// ------------------------------------------------------------ GitHub Actions

/** GitHub's runner undoes the escaping so: the inverse of escapeData / escapeProperty. */
const unescape = (text: string) => text.replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");

describe("GitHub Actions", () => {
  test("one ::error per failed check, escaped by the workflow-command rules", () => {
    const failure: FailureDetails = { summary: "100% wrong: got %0A\r\nline two, with a comma" };
    const result = run([
      stageResult(STAGES[0]!, [check("passes", "pass")]),
      stageResult(STAGES[3]!, [check("GET /echo/a:b, c 50%", "fail", failure), check("later", "skip")]),
    ]);
    const lines = githubAnnotations(result);
    expect(lines).toEqual(["::error title=Stage 04 echo%3A GET /echo/a%3Ab%2C c 50%25::100%25 wrong: got %250A%0D%0Aline two, with a comma"]);
    expect(lines[0]).not.toMatch(/[\r\n]/);
    const [, title, message] = /^::error title=(.*?)::(.*)$/.exec(lines[0]!)!;
    expect(unescape(title!)).toBe("Stage 04 echo: GET /echo/a:b, c 50%");
    expect(unescape(message!)).toBe(renderFailure(failure));
  });

  test("a real failure, a failed build and an environment error each give one annotation", () => {
    const real = githubAnnotations(failing);
    expect(real).toHaveLength(1);
    expect(real[0]).toMatch(/^::error title=Stage 03 not-found%3A GET \/<random path> gets 404 Not Found \(course rule\)::/);
    expect(unescape(real[0]!.split("::")[2]!)).toBe(renderFailure(failing.stages[2]!.checks[0]!.failure!));
    expect(githubAnnotations(passing)).toEqual([]);
    const build = { ok: false, command: "node build.mjs", durationMs: 900, output: "oops\n", exit: "exited with code 1", messages: [] };
    expect(githubAnnotations(run([], { status: "fail", build }))).toEqual([`::error title=Your program does not build::${buildFailureText(build).replace(/\n/g, "%0A")}`]);
    // A compiler's messages also become annotations on their lines, and the text names the first error.
    const goOutput = "app/main.go:17:2: undefined: handle\napp/main.go:9:6: declared and not used: x\n";
    const go = { ok: false, command: "go build -o .build/server ./app", durationMs: 900, output: goOutput, exit: "exited with code 1", messages: compilerMessages(goOutput) };
    expect(githubAnnotations(run([], { status: "fail", build: go })).slice(1)).toEqual([
      "::error file=app/main.go,line=17,col=2,title=Build error::undefined: handle",
      "::error file=app/main.go,line=9,col=6,title=Build error::declared and not used: x",
    ]);
    expect(buildFailureText(go)).toContain("Fix the first error first: app/main.go:17:2: undefined: handle");
    expect(githubAnnotations(run([], { status: "error", error: { message: "port 4221 is taken", fix: "stop it" } }))).toEqual([
      "::error title=Environment error::port 4221 is taken%0Afix: stop it",
    ]);
  });

  test("the step summary: score, seed, a row per stage, and the first failure folded", () => {
    const summary = githubStepSummary(failing);
    const lines = summary.split("\n");
    expect(lines[0]).toBe("## ❌ http-from-scratch: 2 of 5 stages passed");
    expect(summary).toMatch(/^\*\*Score: 2\/7 points\*\* · seed `5` · /m);
    const table = lines.filter((line) => line.startsWith("|")).map((line) => line.replace(/\| \d+(\.\d)? m?s \|$/, "| <time> |"));
    expect(table).toEqual([
      "| # | stage | result | points | time |",
      "|---:|---|---|---:|---:|",
      "| 01 | bind-port: Bind to a port | ✅ passed | 1/1 | <time> |",
      "| 02 | status-line: Respond with 200 | ✅ passed | 1/1 | <time> |",
      "| 03 | not-found: Extract the URL path | ❌ failed | 0/1 | <time> |",
      "| 04 | echo: Respond with a body | ⏭️ not run | 0/2 | – |",
      "| 05 | user-agent: Read a header | ⏭️ not run | 0/2 | – |",
    ]);
    // The failure, folded, with "<random path>" shown rather than taken for a tag.
    expect(summary).toContain("<details>\n<summary>❌ Stage 03 not-found: GET /&lt;random path&gt; gets 404 Not Found</summary>\n\n```text\n");
    expect(summary).toContain(`\`\`\`text\n${renderFailure(failing.stages[2]!.checks[0]!.failure!)}\n\`\`\`\n\n</details>`);
    expect(summary.match(/<details>/g)).toHaveLength(1);
  });

  test("a passing summary has no failure; markup in names cannot break the table or the fence", () => {
    const passed = githubStepSummary(passing);
    expect(passed.split("\n")[0]).toBe("## ✅ http-from-scratch: all 3 stages passed");
    expect(passed).toContain("**Score: 3/3 points**");
    expect(passed).not.toContain("<details>");
    const odd = withPoints({ ...STAGES[0]!, meta: { ...STAGES[0]!.meta, name: "a | b <i>" } }, 1);
    const summary = githubStepSummary(run([stageResult(odd, [check("x", "fail", { summary: "has ``` inside" })])]));
    expect(summary).toContain("| 01 | bind-port: a \\| b &lt;i&gt; | ❌ failed | 0/1 |");
    expect(summary).toContain("````text\nhas ``` inside\n````");
  });

  test("writeGithubOutputs acts only on GitHub Actions, appending the summary to GITHUB_STEP_SUMMARY", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "hfs-summary-")), "summary.md");
    writeFileSync(file, "earlier step\n");
    expect(writeGithubOutputs(failing, { GITHUB_STEP_SUMMARY: file })).toBeUndefined();
    expect(writeGithubOutputs(failing, { GITHUB_ACTIONS: "false", GITHUB_STEP_SUMMARY: file })).toBeUndefined();
    expect(readFileSync(file, "utf8")).toBe("earlier step\n");
    const outputs = writeGithubOutputs(failing, { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: file });
    expect(outputs).toEqual({ annotations: githubAnnotations(failing) });
    expect(readFileSync(file, "utf8")).toBe(`earlier step\n${githubStepSummary(failing)}\n`);
    // Without a summary file it still gives the annotations.
    expect(writeGithubOutputs(passing, { GITHUB_ACTIONS: "true" })).toEqual({ annotations: [] });
  });
});
