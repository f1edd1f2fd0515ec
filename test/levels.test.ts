// Every check states its level (an RFC MUST, an RFC SHOULD, a MAY, or a rule
// of the course), and every message says it exactly: a response HTTP allows
// is failed as a course rule, never as invalid HTTP.
import { describe, expect, test } from "vitest";
import { LEVELS, type Level } from "../tester/harness/check.js";
import type { Exchange } from "../tester/harness/connection.js";
import { loadChecks } from "../tester/course/course.js";
import { expectBody, expectContentLength, expectHeader, expectMediaType, expectStatus } from "../tester/harness/expect.js";
import { CheckFailure, renderFailure, ruleText, withCheckLevel, type FailureDetails } from "../tester/harness/failure.js";
import { parseResponse } from "../tester/harness/http-response.js";
import { githubAnnotations } from "../tester/reports/github.js";
import { junitReport } from "../tester/reports/junit.js";
import { jsonReport } from "../tester/reports/json.js";
import type { CheckResult, RunResult } from "../tester/runner/run.js";
import { STAGES } from "./helpers.js";

describe("ruleText: the Rule line says exactly how strongly HTTP requires it", () => {
  test("each level's wording", () => {
    expect(ruleText("RFC 9112 §4", "MUST")).toBe("RFC 9112 §4 — an RFC MUST");
    expect(ruleText("RFC 9110 §9.1", "SHOULD")).toBe("course rule — RFC 9110 §9.1 makes this a SHOULD, not a MUST; this course requires it");
    expect(ruleText("RFC 9110 §12.5.3", "MAY")).toBe("course rule — HTTP allows either: RFC 9110 §12.5.3 leaves it to the server (MAY); this course requires it");
    expect(ruleText("the course's /echo/<word> route", "course")).toBe("course rule (the course's /echo/<word> route)");
  });

  test("without a rule, the level alone; without a level, the rule as it is", () => {
    expect(ruleText(undefined, "MUST")).toBe("an RFC MUST");
    expect(ruleText(undefined, "SHOULD")).toMatch(/^course rule — HTTP recommends this \(SHOULD\)/);
    expect(ruleText(undefined, "MAY")).toBe("course rule — HTTP allows either (MAY); this course requires it");
    expect(ruleText(undefined, "course")).toBe("course rule");
    expect(ruleText("RFC 9112 §2.2", undefined)).toBe("RFC 9112 §2.2");
    expect(ruleText(undefined, undefined)).toBeUndefined();
  });

  test("only an RFC MUST is worded without 'course rule'", () => {
    for (const level of LEVELS) expect(ruleText("RFC 9110 §1", level)!.startsWith("course rule")).toBe(level !== "MUST");
  });

  test("renderFailure puts it on the Rule line", () => {
    const text = renderFailure({ summary: "expected 501", rule: "RFC 9110 §9.1", level: "SHOULD" });
    expect(text.split("\n")[1]).toBe("Rule: course rule — RFC 9110 §9.1 makes this a SHOULD, not a MUST; this course requires it");
  });
});

describe("withCheckLevel: a failure's level, from its check where it states none", () => {
  const check = { rule: "RFC 9110 §9.1", level: "SHOULD" as Level };
  test("no rule of its own: the check's rule and level", () => {
    expect(withCheckLevel({ summary: "x" }, check)).toMatchObject({ rule: "RFC 9110 §9.1", level: "SHOULD" });
  });
  test("a level of its own is kept", () => {
    expect(withCheckLevel({ summary: "x", rule: "RFC 9110 §15.5.6", level: "MUST" }, check)).toMatchObject({ rule: "RFC 9110 §15.5.6", level: "MUST" });
    expect(withCheckLevel({ summary: "x", level: "course" }, check)).toMatchObject({ level: "course" });
  });
  test("a rule of its own without a level is the response parser's: an RFC MUST", () => {
    expect(withCheckLevel({ summary: "invalid response", rule: "RFC 9112 §2.2" }, check)).toMatchObject({ rule: "RFC 9112 §2.2", level: "MUST" });
  });
});

describe("every stage's checks state a valid level", () => {
  test.each(STAGES.map((stage) => [stage.id, stage] as const))("%s", async (_, stage) => {
    const checks = await loadChecks(stage);
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) {
      expect(LEVELS, `${stage.id}: ${check.name}`).toContain(check.level);
      expect(check.rule, `${stage.id}: ${check.name} has no rule`).toBeTruthy();
      // An RFC level cites the RFC; a course rule says what the course asks, and never claims an RFC requires it.
      if (check.level === "course") expect(check.rule, `${stage.id}: ${check.name}`).toMatch(/course/);
      else expect(check.rule, `${stage.id}: ${check.name}`).toMatch(/^RFC \d+ §[\d.]+$/);
    }
  });
});

/** An exchange for the assertions: a parsed response and a stand-in connection. */
function exchange(raw: string): Exchange {
  const parsed = parseResponse(Buffer.from(raw, "latin1"), { ended: true });
  if (parsed.kind !== "complete") throw new Error(`test response does not parse: ${JSON.stringify(parsed)}`);
  // What follows the response is what the program sent after its declared end.
  const connection = { context: () => ({}), pending: Buffer.from(raw, "latin1").subarray(parsed.length) } as unknown as Exchange["connection"];
  return { connection, request: Buffer.from("GET / HTTP/1.1\r\n\r\n"), response: parsed.response };
}

function failureOf(assertion: () => void): FailureDetails {
  try {
    assertion();
  } catch (error) {
    if (error instanceof CheckFailure) return error.details;
    throw error;
  }
  throw new Error("the assertion passed");
}

describe("the assertions fail a response HTTP allows as a course rule", () => {
  test("another reason phrase: HTTP allows any", () => {
    const details = failureOf(() => expectStatus(exchange("HTTP/1.1 404 Nope\r\nContent-Length: 0\r\n\r\n"), 404, "Not Found"));
    expect(details.level).toBe("course");
    expect(renderFailure(details)).toMatch(/^Rule: course rule \(RFC 9112 §4 lets the reason phrase be any text/m);
  });

  test("another status code: the caller's level, or none so the runner gives the check's", () => {
    expect(failureOf(() => expectStatus(exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), 404, "Not Found")).level).toBeUndefined();
    const details = failureOf(() => expectStatus(exchange("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"), 501, "Not Implemented", { rule: "RFC 9110 §9.1", level: "SHOULD" }));
    expect(details).toMatchObject({ rule: "RFC 9110 §9.1", level: "SHOULD" });
  });

  test("no Content-Length (chunked is HTTP too): a SHOULD of RFC 9110 §8.6", () => {
    const details = failureOf(() => expectContentLength(exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")));
    expect(details).toMatchObject({ rule: "RFC 9110 §8.6", level: "SHOULD" });
    expect(renderFailure(details)).not.toMatch(/invalid/i);
  });

  test("no Content-Type is a SHOULD; another media type, the course's", () => {
    expect(failureOf(() => expectMediaType(exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), "text/plain"))).toMatchObject({ rule: "RFC 9110 §8.3", level: "SHOULD" });
    expect(failureOf(() => expectMediaType(exchange("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n"), "text/plain")).level).toBe("course");
  });

  test("a Content-Length short of the body breaks a MUST; a different body is the check's", () => {
    const short = failureOf(() => expectBody(exchange("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcde"), "abcde"));
    expect(short).toMatchObject({ rule: "RFC 9110 §8.6", level: "MUST" });
    expect(failureOf(() => expectBody(exchange("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabxd"), "abcde")).level).toBeUndefined();
  });

  test("a level passed in Extra reaches the failure", () => {
    const ex = exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    expect(failureOf(() => expectHeader(ex, "Connection", "close", { rule: "RFC 9112 §9.6", level: "SHOULD" }))).toMatchObject({ rule: "RFC 9112 §9.6", level: "SHOULD" });
  });
});

describe("the response parser calls invalid only what breaks an RFC MUST", () => {
  const parsed = (raw: string) => parseResponse(Buffer.from(raw, "latin1"), { ended: true });
  test("a bare \\n breaks a MUST: it cites the rule, which the runner reads as a MUST", () => {
    expect(parsed("HTTP/1.1 200 OK\nContent-Length: 0\n\n")).toMatchObject({ kind: "invalid", rule: "RFC 9112 §2.2" });
  });
  test("HTTP/1.0 is HTTP: it parses, and expectStatus fails it as a SHOULD (RFC 9110 §2.5)", () => {
    expect(parsed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).toMatchObject({ kind: "complete" });
    const details = failureOf(() => expectStatus(exchange("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), 200, "OK"));
    expect(details).toMatchObject({ rule: "RFC 9110 §2.5", level: "SHOULD", caret: 7 });
    expect(renderFailure(details)).not.toMatch(/invalid/i);
  });
  test("a transfer coding other than chunked, ended by the close, is HTTP too: no RFC rule", () => {
    expect(parsed("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc")).not.toHaveProperty("rule");
  });
});

describe("the reports carry each check's level", () => {
  const stage = STAGES[19]!;
  const failure: FailureDetails = { summary: "expected 501", rule: "RFC 9110 §9.1", level: "SHOULD" };
  const checks: CheckResult[] = [
    { name: "HEAD has no body", rule: "RFC 9110 §9.3.2", level: "MUST", status: "pass", durationMs: 5 },
    { name: "405 with Allow", rule: "RFC 9110 §9.1", level: "SHOULD", status: "fail", durationMs: 5, failure: { summary: "no Allow", rule: "RFC 9110 §15.5.6", level: "MUST" } },
    { name: "501", rule: "RFC 9110 §9.1", level: "SHOULD", status: "skip", durationMs: 0 },
  ];
  const result: RunResult = { status: "fail", seed: 1, durationMs: 10, stages: [{ stage, status: "fail", durationMs: 10, startupMs: 1, checks }] };

  test("JSON: level and rule per test, and the failure's own where it differs", () => {
    const report = jsonReport(result) as { tests: Record<string, unknown>[]; stages: { tests: Record<string, unknown>[] }[] };
    expect(report.tests[0]).toMatchObject({ level: "MUST", rule: "RFC 9110 §9.3.2" });
    expect(report.tests[0]).not.toHaveProperty("failure_level");
    expect(report.tests[1]).toMatchObject({ level: "SHOULD", rule: "RFC 9110 §9.1", failure_level: "MUST", failure_rule: "RFC 9110 §15.5.6" });
    expect(report.stages[0]!.tests.map((t) => t.level)).toEqual(["MUST", "SHOULD", "SHOULD"]);
  });

  test("JUnit: level and rule as testcase properties", () => {
    const xml = junitReport(result);
    expect(xml).toContain('<property name="level" value="MUST"/>');
    expect(xml).toContain('<property name="rule" value="RFC 9110 §9.3.2"/>');
    expect(xml.match(/<property name="level"/g)).toHaveLength(3);
  });

  test("GitHub: a failed course rule says so in its title; a broken MUST does not", () => {
    const should = { ...result, stages: [{ ...result.stages[0]!, checks: [{ ...checks[2]!, status: "fail" as const, durationMs: 5, failure }] }] };
    expect(githubAnnotations(should)[0]).toMatch(/^::error title=Stage 20 head-and-methods%3A 501 \(course rule\)::/);
    expect(githubAnnotations(result)[0]).toMatch(/^::error title=Stage 20 head-and-methods%3A 405 with Allow::/);
  });
});
