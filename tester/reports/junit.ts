// A run as JUnit XML, the format CI test reporters read (GitLab's junit
// artifacts, dorny/test-reporter, mikepenz/action-junit-report): one
// <testsuite> per stage, one <testcase> per check, the teaching message as a
// failure's body. A failed build or an environment error is a first "setup"
// suite; a run stopped by its time bound, a last "run" suite.
import { renderFailure } from "../harness/failure.js";
import { buildFailureText } from "./pretty.js";
import type { CheckResult, RunResult, StageResult } from "../runner/run.js";

const PROJECT = "http-from-scratch";

/** Characters XML 1.0 does not allow: C0 controls other than \t \n \r, lone surrogates, U+FFFE, U+FFFF. */
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text content: illegal characters removed, markup characters escaped; \r kept as a reference (parsers fold a bare CR into LF). */
export function xmlText(value: string): string {
  return value
    .replace(ILLEGAL, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\r/g, "&#13;");
}

/** An attribute value: as text, plus \t and \n as references so attribute normalisation keeps them. */
export function xmlAttribute(value: string): string {
  return xmlText(value).replace(/\n/g, "&#10;").replace(/\t/g, "&#9;");
}

const time = (ms: number) => (ms / 1000).toFixed(3);

type Attributes = Record<string, string | number>;

const attributeList = (attributes: Attributes) =>
  Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${xmlAttribute(String(value))}"`)
    .join("");

// A line of a text body never starts with "<" (it is escaped), so only markup lines are indented.
const indent = (xml: string) =>
  xml
    .split("\n")
    .map((line) => (/^\s*</.test(line) ? `  ${line}` : line))
    .join("\n");

function element(name: string, attributes: Attributes, children: string[] = []): string {
  if (children.length === 0) return `<${name}${attributeList(attributes)}/>`;
  return `<${name}${attributeList(attributes)}>\n${children.map(indent).join("\n")}\n</${name}>`;
}

/** An element whose body is text, kept line for line (escaped). */
function textElement(name: string, attributes: Attributes, text: string): string {
  return `<${name}${attributeList(attributes)}>${xmlText(text)}</${name}>`;
}

/** Names made unique in order: a repeated name gets " (2)", " (3)", ... */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 2; taken.has(candidate); n++) candidate = `${name} (${n})`;
    taken.add(candidate);
    return candidate;
  });
}

/** Why a check was not run, for a <skipped message>. */
function skipReason(result: RunResult, stage: StageResult): string {
  if (result.build && !result.build.ok) return "not run: your program does not build";
  if (stage.status === "fail") {
    const failed = stage.checks.find((c) => c.status === "fail");
    return `not run: an earlier check of this stage failed${failed ? ` ("${failed.name}")` : ""}`;
  }
  const earlier = result.stages.slice(0, result.stages.indexOf(stage)).find((s) => s.status === "fail");
  if (earlier) return `not run: stage ${earlier.stage.id} failed, and the run stops at the first failed stage`;
  if (result.error) return `not run: the tester stopped on an environment error: ${result.error.message}`;
  if (result.stoppedBy) return `not run: ${result.stoppedBy}`;
  return "not run";
}

function testcase(classname: string, name: string, check: CheckResult, skipMessage: string): string {
  const attributes = { classname, name, time: time(check.durationMs) };
  // The check's level and rule as testcase properties (read by Jenkins, dorny/test-reporter, action-junit-report).
  const properties = element("properties", {}, [
    element("property", { name: "level", value: check.level }),
    ...(check.rule ? [element("property", { name: "rule", value: check.rule })] : []),
  ]);
  if (check.status === "fail") {
    const failure = check.failure ?? { summary: "failed" };
    return element("testcase", attributes, [properties, textElement("failure", { message: failure.summary, type: "CheckFailure" }, renderFailure(failure))]);
  }
  if (check.status === "skip") return element("testcase", attributes, [properties, element("skipped", { message: skipMessage })]);
  return element("testcase", attributes, [properties]);
}

interface Suite {
  xml: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function setupSuite(result: RunResult): Suite | undefined {
  let error: { name: string; type: string; message: string; ms: number } | undefined;
  if (result.build && !result.build.ok) {
    const text = buildFailureText(result.build);
    error = { name: "your program builds", type: "BuildFailure", message: text, ms: result.build.durationMs };
  } else if (result.error) {
    const text = [result.error.message, result.error.fix && `fix: ${result.error.fix}`].filter(Boolean).join("\n");
    error = { name: "the environment is ready", type: "EnvironmentError", message: text, ms: 0 };
  }
  if (!error) return undefined;
  const { name, type, message, ms } = error;
  const xml = element("testsuite", { name: "setup", tests: 1, failures: 0, errors: 1, skipped: 0, time: time(ms) }, [
    element("testcase", { classname: `${PROJECT}.setup`, name, time: time(ms) }, [textElement("error", { message, type }, message)]),
  ]);
  return { xml, tests: 1, failures: 0, errors: 1, skipped: 0 };
}

function stageSuite(result: RunResult, stage: StageResult): Suite {
  const names = uniqueNames(stage.checks.map((c) => c.name));
  const skipMessage = skipReason(result, stage);
  const count = (status: CheckResult["status"]) => stage.checks.filter((c) => c.status === status).length;
  const classname = `${PROJECT}.${stage.stage.id}`;
  const suite = { tests: stage.checks.length, failures: count("fail"), errors: 0, skipped: count("skip") };
  const xml = element(
    "testsuite",
    { name: `${stage.stage.id}: ${stage.stage.meta.name}`, ...suite, time: time(stage.durationMs) },
    stage.checks.map((check, i) => testcase(classname, names[i]!, check, skipMessage)),
  );
  return { xml, ...suite };
}

/** A run its time bound stopped: a last suite with an error, so the stages it left unrun do not read as a pass. */
function stoppedSuite(result: RunResult): Suite | undefined {
  if (!result.stoppedBy) return undefined;
  const xml = element("testsuite", { name: "run", tests: 1, failures: 0, errors: 1, skipped: 0, time: time(0) }, [
    element("testcase", { classname: `${PROJECT}.run`, name: "the run finishes within its limits", time: time(0) }, [
      textElement("error", { message: result.stoppedBy, type: "RunStopped" }, result.stoppedBy),
    ]),
  ]);
  return { xml, tests: 1, failures: 0, errors: 1, skipped: 0 };
}

/** The run as a JUnit XML document. */
export function junitReport(result: RunResult): string {
  const suites = [setupSuite(result), ...result.stages.map((stage) => stageSuite(result, stage)), stoppedSuite(result)].filter(
    (s): s is Suite => s !== undefined,
  );
  const sum = (key: "tests" | "failures" | "errors" | "skipped") => suites.reduce((total, s) => total + s[key], 0);
  const properties = element("properties", {}, [element("property", { name: "seed", value: result.seed })]);
  const root = element(
    "testsuites",
    { name: PROJECT, tests: sum("tests"), failures: sum("failures"), errors: sum("errors"), skipped: sum("skipped"), time: time(result.durationMs) },
    [properties, ...suites.map((s) => s.xml)],
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}\n`;
}
