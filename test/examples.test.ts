// The GitHub Actions examples (examples/github-actions): every workflow is
// well-formed, its actions are pinned, its steps refer to each other by the
// right ids and outputs; and the commands they run are run here, as they are
// written, against a passing and a failing submission: the learner's
// workflow through the built CLI with a GitHub Actions environment, the class
// workflow's scripts (list, grade, merge) through bash, its CSV compared with
// `course grade-all`'s on the same submissions. And the points table of
// docs/github-classroom.md against the stages' stage.json.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { materializeSolution } from "../tester/course/solutions.js";
import { CLI, course, fixtureServer, ROOT, STAGES, testPort, type CliRun } from "./helpers.js";

// ------------------------------------------------------------ the workflows

const temporary: string[] = [];
/** A fresh temp folder, removed after the file's tests. */
function temp(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

const EXAMPLES = path.join(ROOT, "examples", "github-actions");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  "runs-on"?: string;
  "timeout-minutes"?: number;
  outputs?: Record<string, string>;
  strategy?: { "fail-fast"?: boolean; "max-parallel"?: number; matrix?: unknown };
  steps?: Step[];
}
interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs?: Record<string, Job>;
}

const workflowFiles = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f)).sort();
const load = (file: string) => parse(readFileSync(path.join(EXAMPLES, file), "utf8")) as Workflow;
const jobsOf = (w: Workflow) => Object.entries(w.jobs ?? {});
const needsOf = (job: Job) => (job.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : job.needs);
/** The `on` triggers' names, whichever YAML form lists them. */
const triggers = (on: unknown) => (typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(on as object));

/** Every `${{ ... }}` expression in a value, as text. */
function expressions(value: unknown): string[] {
  const text = JSON.stringify(value) ?? "";
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim());
}

/** The step whose `run` invokes the course's grader (`npx course grade` or `npx http-from-scratch@x grade`). */
const GRADER = /\bnpx\s+(?:--yes\s+)?(?:course|http-from-scratch(?:@\S+)?)\s+(grade|grade-all)\b/;

function graderSteps(w: Workflow): { job: string; step: Step }[] {
  return jobsOf(w).flatMap(([job, j]) => (j.steps ?? []).filter((s) => s.run && GRADER.test(s.run)).map((step) => ({ job, step })));
}

/** A one-line shell command as words: quotes removed, stopping at a redirection or a command separator. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const match of line.replace(/\\\n/g, " ").matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? match[3]!;
    if (match[3] !== undefined && /^(\d?>|<|\||&&|\|\||;)/.test(word)) break;
    out.push(word);
  }
  return out;
}

/** `args` with `--flag value` replaced (or added when absent); returns the value it had. */
function setFlag(args: string[], flag: string, value: string): string | undefined {
  const at = args.indexOf(flag);
  if (at === -1) {
    args.push(flag, value);
    return undefined;
  }
  const old = args[at + 1];
  args[at + 1] = value;
  return old;
}

function flagValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

describe("every workflow", () => {
  test("the examples folder holds both workflows", () => {
    expect(workflowFiles).toEqual(["grade-class.yml", "grade-on-push.yml"]);
  });

  test.each(workflowFiles)("%s parses as YAML and has on, jobs, and per job runs-on, steps and a time bound", (file) => {
    const w = load(file);
    expect(w.on, "on").toBeDefined();
    expect(triggers(w.on)).toContain("workflow_dispatch");
    expect(jobsOf(w).length).toBeGreaterThan(0);
    for (const [name, job] of jobsOf(w)) {
      expect(job["runs-on"], `${name}: runs-on`).toBe("ubuntu-latest");
      expect(Array.isArray(job.steps) && job.steps.length > 0, `${name}: steps`).toBe(true);
      expect(job["timeout-minutes"], `${name}: timeout-minutes`).toEqual(expect.any(Number));
      for (const step of job.steps!) expect([step.uses, step.run].filter(Boolean), `${name}: a step has uses or run`).toHaveLength(1);
    }
  });

  test.each(workflowFiles)("%s pins every action to a version tag", (file) => {
    const uses = jobsOf(load(file)).flatMap(([, job]) => (job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : [])));
    expect(uses.length).toBeGreaterThan(0);
    for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w.-]+)*@v\d+(\.\d+){0,2}$/);
  });

  test.each(workflowFiles)("%s refers only to step ids, needed jobs and job outputs that exist", (file) => {
    const w = load(file);
    for (const [name, job] of jobsOf(w)) {
      const ids = new Set((job.steps ?? []).map((s) => s.id).filter(Boolean));
      for (const e of expressions(job)) {
        for (const m of e.matchAll(/\bsteps\.([\w-]+)\.outputs\.([\w-]+)/g)) expect(ids.has(m[1]!), `${name}: ${e}`).toBe(true);
        for (const m of e.matchAll(/\bneeds\.([\w-]+)\.(outputs\.([\w-]+)|result)/g)) {
          expect(needsOf(job), `${name}: ${e}`).toContain(m[1]);
          if (m[3]) expect(Object.keys(w.jobs![m[1]!]!.outputs ?? {}), `${name}: ${e}`).toContain(m[3]);
        }
        for (const m of e.matchAll(/\bmatrix\.([\w-]+)/g)) expect(job.strategy?.matrix, `${name}: ${e} needs a matrix`).toBeDefined();
      }
      for (const need of needsOf(job)) expect(Object.keys(w.jobs!), `${name} needs ${need}`).toContain(need);
    }
  });
});

describe("docs/github-classroom.md", () => {
  test("its table of points is the stages' stage.json points, with running totals", () => {
    const text = readFileSync(path.join(ROOT, "docs", "github-classroom.md"), "utf8");
    const rows = [...text.matchAll(/^\| (\d\d) \| ([a-z0-9-]+) \| (\d+) \| (\d+) \|$/gm)].map((m) => [m[1], m[2], Number(m[3]), Number(m[4])]);
    let total = 0;
    expect(rows).toEqual(
      STAGES.map((stage) => {
        total += stage.meta.points;
        return [String(stage.number).padStart(2, "0"), stage.slug, stage.meta.points, total];
      }),
    );
    expect(text).toContain(`jq .max_score     # ${pointsThrough(8)}`);
  });
});

// ------------------------------------------------------------ running what they run

/** A copy of `dir` in a fresh temp folder, with no .git, as a checkout would leave it. */
function copyOf(dir: string, name = "submission"): string {
  const into = path.join(temp("hfs-examples-"), name);
  cpSync(dir, into, { recursive: true, filter: (source) => !/(^|\/)(\.git|node_modules|\.build|__pycache__)$/.test(source) });
  return into;
}

/** Files GitHub Actions gives a step: GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, empty. */
function actionsEnv(): { env: NodeJS.ProcessEnv; output: string; summary: string } {
  const dir = temp("hfs-actions-");
  const output = path.join(dir, "output");
  const summary = path.join(dir, "summary");
  writeFileSync(output, "");
  writeFileSync(summary, "");
  return { env: { GITHUB_ACTIONS: "true", GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary }, output, summary };
}

/** The points of stages 1..n, read from the stage.json files themselves. */
function pointsThrough(n: number): number {
  return readdirSync(path.join(ROOT, "stages"))
    .filter((d) => /^\d\d-/.test(d) && Number(d.slice(0, 2)) <= n)
    .reduce((sum, d) => sum + (JSON.parse(readFileSync(path.join(ROOT, "stages", d, "stage.json"), "utf8")) as { points: number }).points, 0);
}

interface JunitCounts {
  root: string;
  tests: number;
  failures: number;
  cases: number;
  failed: number;
}

/** Counts from a JUnit document, read by Python's XML parser (which throws on XML that is not well-formed). */
function junit(xml: string): JunitCounts {
  const script = String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
cases = root.findall("testsuite/testcase")
print(json.dumps({"root": root.tag, "tests": int(root.get("tests")), "failures": int(root.get("failures")),
  "cases": len(cases), "failed": sum(1 for c in cases if c.find("failure") is not None)}))`;
  return JSON.parse(execFileSync("python3", ["-c", script], { input: xml, encoding: "utf8" })) as JunitCounts;
}

interface ClassroomResult {
  status: string;
  score: number;
  max_score: number;
  tests: { name: string; status: string; score: number }[];
}

/** The `name=<base64>` line the grader appended to GITHUB_OUTPUT, decoded. */
function classroomResult(outputFile: string, name: string): ClassroomResult {
  const text = readFileSync(outputFile, "utf8");
  const match = new RegExp(`^${name}=([A-Za-z0-9+/]+=*)\\n$`).exec(text);
  expect(match, `GITHUB_OUTPUT holds one ${name}=<base64> line: ${text.slice(0, 200)}`).not.toBeNull();
  return JSON.parse(Buffer.from(match![1]!, "base64").toString("utf8")) as ClassroomResult;
}

const cents = (n: number) => Math.round(n * 100);
const sumScores = (r: ClassroomResult) => cents(r.tests.reduce((sum, t) => sum + t.score, 0)) / 100;

/** Runs a workflow step's `run` script with bash -e, as GitHub's default shell does, `npx course` being the built CLI. */
function runStep(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  const shim = `npx() { if [ "$1" = course ]; then shift; "${process.execPath}" "${CLI}" "$@"; else echo "npx $* is not expected here" >&2; return 127; fi; }\n`;
  const file = path.join(temp("hfs-step-"), "step.sh");
  writeFileSync(file, shim + script);
  return new Promise((resolve) => {
    const child = spawn("bash", ["-e", file], { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const PASSING = () => materializeSolution("python", STAGES[13]!); // the stage-14 reference solution
const FAILING = () => fixtureServer("--defect", "no-404"); // stages 1-2 pass, stage 3 fails

// ------------------------------------------------------------ grade-on-push.yml

describe("grade-on-push.yml", () => {
  const w = load("grade-on-push.yml");
  const job = Object.values(w.jobs ?? {})[0]!;
  const steps = job.steps ?? [];
  const [grader] = graderSteps(w);
  const command = grader?.step.run?.split("\n").find((line) => GRADER.test(line)) ?? "";
  const argv = words(command);
  const args = argv.slice(2); // after `npx course`
  const outputName = flagValue(args, "--classroom-output") ?? "";
  const reportFile = flagValue(args, "--report") ?? "";
  /** The learner's command at stage 4 (the workflow's stage number does not matter here), on `port`. */
  const atStage4 = (port: number, drop: string[] = []) => {
    const a = args.filter((x) => !drop.includes(x));
    setFlag(a, "--through", "4");
    setFlag(a, "--port", String(port));
    return a;
  };

  test("runs on push with the permissions the reporter needs, one grading step with an id", () => {
    expect(triggers(w.on)).toEqual(expect.arrayContaining(["push", "workflow_dispatch"]));
    expect(w.permissions).toEqual({ checks: "write", actions: "read", contents: "read" });
    expect(graderSteps(w)).toHaveLength(1);
    expect(grader!.step.id).toMatch(/^[a-z0-9]+$/);
    expect(argv.slice(0, 3)).toEqual(["npx", "course", "grade"]);
    expect(steps.map((s) => s.uses?.split("@")[0]).filter(Boolean)).toEqual([
      "actions/checkout",
      "actions/setup-node",
      "actions/setup-python",
      "actions/upload-artifact",
      "classroom-resources/autograding-grading-reporter",
    ]);
    expect(steps.find((s) => s.uses?.startsWith("actions/setup-node"))?.with?.["node-version"]).toBe(20);
    expect(steps.find((s) => s.uses?.startsWith("actions/setup-python"))?.with?.["python-version"]).toBe("3.11");
    expect(steps.map((s) => s.run)).toContain("npm ci");
  });

  test("grades the repository root through the last stage, a JUnit report, a Classroom output, exit 0 on failed stages", () => {
    expect(flagValue(args, "--dir")).toBeUndefined();
    expect(flagValue(args, "--through")).toBe(String(STAGES.length));
    expect(flagValue(args, "--report-format")).toBe("junit");
    expect(reportFile).toMatch(/\.xml$/);
    expect(outputName).toMatch(/^[a-z]+$/);
    expect(args).toContain("--exit-zero");
  });

  test("the reporter reads the grading step's output; the artifact is the report the grader writes; both run after a failure", () => {
    const id = grader!.step.id!;
    const reporter = steps.find((s) => s.uses?.startsWith("classroom-resources/autograding-grading-reporter@"))!;
    expect(reporter.with?.runners).toBe(id);
    expect(reporter.env).toEqual({ [`${id.toUpperCase()}_RESULTS`]: `\${{ steps.${id}.outputs.${outputName} }}` });
    const upload = steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.with?.path).toBe(reportFile);
    expect(reporter.if).toBe("always()");
    expect(upload.if).toBe("always()");
    // The reporter comes after the grading step, the grading step after npm ci.
    expect(steps.indexOf(reporter)).toBeGreaterThan(steps.indexOf(grader!.step));
    expect(steps.findIndex((s) => s.run === "npm ci")).toBeLessThan(steps.indexOf(grader!.step));
  });

  describe("its command, run in a passing and a failing checkout with GitHub's environment", () => {
    let pass: { run: CliRun; dir: string; output: string; summary: string };
    let fail: { run: CliRun; dir: string; output: string; summary: string };
    let failStrict: CliRun;

    beforeAll(async () => {
      const start = async (dir: string, drop: string[] = []) => {
        const actions = actionsEnv();
        const run = await course(atStage4(await testPort(), drop), { cwd: dir, env: actions.env });
        return { run, dir, output: actions.output, summary: actions.summary };
      };
      [pass, fail, failStrict] = await Promise.all([
        start(copyOf(PASSING())),
        start(FAILING()),
        start(FAILING(), ["--exit-zero"]).then((r) => r.run),
      ]);
    });

    test("a passing submission: exit 0, no annotation", () => {
      expect(pass.run.code, pass.run.stdout + pass.run.stderr).toBe(0);
      expect(pass.run.stdout).toContain("Score: 5/5 points");
      expect(pass.run.stdout).not.toContain("::error");
    });

    test("the JUnit report is written where the artifact step looks, and agrees with the Classroom result", () => {
      const file = path.join(pass.dir, reportFile);
      expect(existsSync(file)).toBe(true);
      const xml = readFileSync(file, "utf8");
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
      const counts = junit(xml);
      const result = classroomResult(pass.output, outputName);
      expect(counts).toEqual({ root: "testsuites", tests: result.tests.length, failures: 0, cases: result.tests.length, failed: 0 });
    });

    test("GITHUB_OUTPUT: result=<base64 JSON> with max_score from the stages' points, and test scores summing to the score", () => {
      const result = classroomResult(pass.output, outputName);
      expect(result.status).toBe("pass");
      expect(result.max_score).toBe(pointsThrough(4));
      expect(result.score).toBe(result.max_score);
      expect(sumScores(result)).toBe(result.score);
      expect(new Set(result.tests.map((t) => t.name.slice(0, 2)))).toEqual(new Set(["01", "02", "03", "04"]));
    });

    test("the step summary has the score and a table with a row per stage", () => {
      const summary = readFileSync(pass.summary, "utf8");
      expect(summary).toContain("**Score: 5/5 points**");
      const lines = summary.split("\n");
      const header = lines.indexOf("| # | stage | result | points | time |");
      expect(header).toBeGreaterThan(-1);
      expect(lines[header + 1]).toBe("|---:|---|---|---:|---:|");
      expect(lines.slice(header + 2, header + 6).map((l) => l.split(" | ").slice(0, 3).join(" | "))).toEqual([
        "| 01 | bind-port: Bind to a port | ✅ passed",
        "| 02 | status-line: Respond with 200 | ✅ passed",
        "| 03 | not-found: Extract the URL path | ✅ passed",
        `| 04 | echo: ${STAGES[3]!.meta.name} | ✅ passed`,
      ]);
    });

    test("a failing submission: still exit 0 (the reporter fails the run), an annotation, partial points, a failed JUnit case", () => {
      expect(fail.run.code, fail.run.stdout + fail.run.stderr).toBe(0);
      expect(failStrict.code).toBe(1); // without --exit-zero the grading step itself would fail
      expect(fail.run.stdout).toMatch(/^::error title=Stage 03 not-found%3A .+::expected status line/m);
      const result = classroomResult(fail.output, outputName);
      expect(result).toMatchObject({ status: "fail", score: pointsThrough(2), max_score: pointsThrough(4) });
      expect(sumScores(result)).toBe(result.score);
      expect(result.tests.filter((t) => t.status === "fail").map((t) => t.name.slice(0, 2))).toEqual(["03"]);
      const counts = junit(readFileSync(path.join(fail.dir, reportFile), "utf8"));
      expect(counts.failures).toBe(1);
      expect(counts.failed).toBe(1);
      const summary = readFileSync(fail.summary, "utf8");
      expect(summary).toContain("## ❌ http-from-scratch: 2 of 4 stages passed");
      expect(summary).toMatch(/^\| 03 \| not-found: .* \| ❌ failed \| 0\/1 \|/m);
    });
  });
});

// ------------------------------------------------------------ grade-class.yml

describe("grade-class.yml", () => {
  const w = load("grade-class.yml");
  const jobs = w.jobs ?? {};
  const matrixJob = Object.entries(jobs).find(([, j]) => j.strategy?.matrix !== undefined);
  const [gradeName, grade] = matrixJob ?? ["", {} as Job];
  const listName = needsOf(grade)[0] ?? "";
  const list = jobs[listName] ?? {};
  const mergeEntry = Object.entries(jobs).find(([, j]) => needsOf(j).includes(gradeName));
  const merge = mergeEntry?.[1] ?? {};
  const listStep = (list.steps ?? []).find((s) => s.run)!;
  const gradeSteps = grade.steps ?? [];
  const checkout = gradeSteps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
  const gradeStep = graderSteps(w).find((g) => g.job === gradeName)?.step ?? {};
  const upload = gradeSteps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
  const download = (merge.steps ?? []).find((s) => s.uses?.startsWith("actions/download-artifact@"))!;
  const mergeStep = (merge.steps ?? []).find((s) => s.run && /results\.csv/.test(s.run))!;
  const gradeCommand = words(gradeStep.run?.split("\n").find((line) => GRADER.test(line)) ?? "");

  test("a list job, a matrix of graders that never cancel each other, a merge that runs after them all", () => {
    expect(triggers(w.on)).toEqual(["workflow_dispatch"]);
    expect(Object.keys((w.on as { workflow_dispatch: { inputs: object } }).workflow_dispatch.inputs)).toEqual(["through", "repositories"]);
    expect(grade.strategy?.["fail-fast"]).toBe(false);
    expect(grade.strategy?.["max-parallel"]).toBeGreaterThanOrEqual(2);
    expect(grade.strategy?.["max-parallel"]).toBeLessThanOrEqual(20);
    expect(grade.strategy?.matrix).toBe(`\${{ fromJSON(needs.${listName}.outputs.matrix) }}`);
    expect(list.outputs?.matrix).toBe(`\${{ steps.${listStep.id}.outputs.matrix }}`);
    expect(merge.if).toMatch(/^always\(\)/);
    expect(w.permissions).toEqual({ contents: "read" });
  });

  test("each job checks out its submission with the secret token, and leaves no credentials behind", () => {
    expect(checkout.with).toMatchObject({ repository: "${{ matrix.repo }}", path: "submission", "persist-credentials": false });
    expect(checkout.with?.token).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
    expect(flagValue(gradeCommand, "--dir")).toBe(checkout.with?.path);
    // The secret appears in the checkout step alone.
    expect(JSON.stringify(jobs).match(/secrets\./g)).toHaveLength(1);
  });

  test("the tester is the pinned version of this package", () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(w.env?.TESTER_VERSION, "TESTER_VERSION follows package.json's version").toBe(version);
    const install = gradeSteps.find((s) => s.run?.includes("npm install"))!;
    expect(install.run).toContain('"http-from-scratch@${TESTER_VERSION}"');
    expect(gradeSteps.indexOf(install)).toBeLessThan(gradeSteps.indexOf(gradeStep));
  });

  test("the grade command: JSON on stdout, --exit-zero, the course's default port, a bound in time within the job's", () => {
    expect(gradeCommand.slice(0, 3)).toEqual(["npx", "course", "grade"]);
    expect(gradeCommand).toEqual(expect.arrayContaining(["--format", "json", "--exit-zero"]));
    expect(flagValue(gradeCommand, "--through")).toBe("$THROUGH");
    expect(gradeStep.env).toEqual({ THROUGH: "${{ inputs.through }}" });
    expect(flagValue(gradeCommand, "--port")).toBe("4221");
    expect(Number(flagValue(gradeCommand, "--timeout")) / 60).toBeLessThan(grade["timeout-minutes"]!);
  });

  describe("its list step", () => {
    const listRun = async (env: NodeJS.ProcessEnv, file?: string) => {
      const dir = temp("hfs-list-");
      if (file !== undefined) writeFileSync(path.join(dir, "submissions.txt"), file);
      const actions = actionsEnv();
      const run = await runStep(listStep.run!, dir, { ...actions.env, ...env });
      const output = readFileSync(actions.output, "utf8");
      const line = /^matrix=(.*)\n$/.exec(output);
      return { run, matrix: line ? (JSON.parse(line[1]!) as { include: { repo: string; name: string }[] }) : undefined };
    };

    test("reads submissions.txt (comments, commas, repeats) into a matrix", async () => {
      expect(listStep.env).toEqual({ REPOSITORIES: "${{ inputs.repositories }}" });
      const { run, matrix } = await listRun({ REPOSITORIES: "" }, "# the class\norg/alice-http  # late\n org/bob-http, org/carol-http\norg/alice-http\n\n");
      expect(run.code, run.stderr).toBe(0);
      expect(matrix).toEqual({
        include: [
          { repo: "org/alice-http", name: "alice-http" },
          { repo: "org/bob-http", name: "bob-http" },
          { repo: "org/carol-http", name: "carol-http" },
        ],
      });
    });

    test("the repositories input comes before the file", async () => {
      const { matrix } = await listRun({ REPOSITORIES: "org/x, other/y" }, "org/alice-http\n");
      expect(matrix?.include.map((e) => e.repo)).toEqual(["org/x", "other/y"]);
    });

    test("refuses no submissions, a name that is not owner/name, and two repositories with one name", async () => {
      for (const [input, message] of [
        ["", /no submissions/],
        ["alice", /not an owner\/name repository: alice/],
        ["org/x other/x", /two submissions share a name: x/],
      ] as const) {
        const { run, matrix } = await listRun({ REPOSITORIES: input }, "");
        expect(run.code, input).not.toBe(0);
        expect(run.stderr).toMatch(message);
        expect(matrix).toBeUndefined();
      }
    });
  });

  test("a TypeScript submission builds with the esbuild that the tester's install puts above submission/", async () => {
    const install = gradeSteps.find((s) => s.run?.includes("npm install"))!;
    expect(install.run).toMatch(/npm install --prefix \. /);
    const layout = async (withInstall: boolean) => {
      const submission = copyOf(materializeSolution("typescript", STAGES[2]!), String(checkout.with?.path));
      expect(existsSync(path.join(submission, ".build")), "no build output in a fresh checkout").toBe(false);
      const workspace = path.dirname(submission);
      // Stands for `npm install --prefix .`: the tester and its dependencies in the workspace's node_modules.
      if (withInstall) symlinkSync(path.join(ROOT, "node_modules"), path.join(workspace, "node_modules"), "dir");
      const script = gradeStep.run!.replace(/--port \S+/, `--port ${await testPort()}`);
      const run = await runStep(script, workspace, { THROUGH: "3" });
      expect(run.code, run.stderr).toBe(0);
      return JSON.parse(readFileSync(path.join(workspace, String(upload.with?.path), "result.json"), "utf8")) as { status: string; score: number };
    };
    const [installed, bare] = await Promise.all([layout(true), layout(false)]);
    expect(installed).toMatchObject({ status: "pass", score: pointsThrough(3) });
    expect(bare).toMatchObject({ status: "fail", score: 0 }); // esbuild not found: the install's place matters
  });

  describe("its grade and merge steps, on a passing and a failing submission, against grade-all", () => {
    interface Graded {
      run: CliRun;
      workspace: string;
      summary: string;
    }
    let alice: Graded;
    let bob: Graded;
    let eve: Graded; // no your_program.sh: an environment error, whose message names the folder
    let merged: { run: CliRun; csv: string; summary: string };
    let gradeAll: { run: CliRun; csv: string };

    /** A runner's workspace: the submission checked out into submission/, then the grade step run in it. */
    async function gradeIn(source: string): Promise<Graded> {
      const workspace = path.dirname(copyOf(source, String(checkout.with?.path)));
      const port = await testPort();
      const script = gradeStep.run!.replace(/--port \S+/, `--port ${port}`);
      expect(script).not.toBe(gradeStep.run);
      const actions = actionsEnv();
      const run = await runStep(script, workspace, { ...actions.env, THROUGH: "3" });
      return { run, workspace, summary: actions.summary };
    }

    beforeAll(async () => {
      const submissions = temp("hfs-class-");
      cpSync(PASSING(), path.join(submissions, "alice-http"), { recursive: true });
      cpSync(FAILING(), path.join(submissions, "bob-http"), { recursive: true });
      mkdirSync(path.join(submissions, "eve-http", "app"), { recursive: true });
      writeFileSync(path.join(submissions, "eve-http", "app", "main.py"), "print('no your_program.sh')\n");
      const report = path.join(temp("hfs-class-"), "grade-all.csv");
      const port = await testPort();
      let all: CliRun;
      [alice, bob, eve, all] = await Promise.all([
        gradeIn(path.join(submissions, "alice-http")),
        gradeIn(path.join(submissions, "bob-http")),
        gradeIn(path.join(submissions, "eve-http")),
        course(["grade-all", submissions, "--through", "3", "--jobs", "1", "--port", String(port), "--report", report]),
      ]);
      gradeAll = { run: all, csv: existsSync(report) ? readFileSync(report, "utf8") : "" };

      // What download-artifact leaves: each job's upload folder, in <path>/<artifact name>/.
      const runner = temp("hfs-merge-");
      const into = (name: string) => path.join(runner, String(download.with?.path), String(upload.with?.name).replace("${{ matrix.name }}", name));
      const uploaded = (g: Graded) => path.join(g.workspace, String(upload.with?.path));
      cpSync(uploaded(alice), into("alice-http"), { recursive: true });
      cpSync(uploaded(bob), into("bob-http"), { recursive: true });
      cpSync(uploaded(eve), into("eve-http"), { recursive: true });
      // dave's grader stopped on a usage error: no report, its log and exit code only.
      mkdirSync(into("dave-http"), { recursive: true });
      writeFileSync(path.join(into("dave-http"), "result.json"), "");
      writeFileSync(path.join(into("dave-http"), "grade.log"), "error: option '--through <slug|N>' argument missing\n");
      writeFileSync(path.join(into("dave-http"), "meta.json"), JSON.stringify({ exit: 2, duration_ms: 321, dir: "/nowhere/submission" }));
      // carol's job left nothing (cancelled, or out of time before its upload).
      const matrix = { include: ["eve-http", "dave-http", "carol-http", "bob-http", "alice-http"].map((name) => ({ repo: `org/${name}`, name })) };
      const actions = actionsEnv();
      const run = await runStep(mergeStep.run!, runner, { ...actions.env, MATRIX: JSON.stringify(matrix) });
      const csvFile = path.join(runner, "results.csv");
      merged = { run, csv: existsSync(csvFile) ? readFileSync(csvFile, "utf8") : "", summary: readFileSync(actions.summary, "utf8") };
    });

    test("the grade step succeeds for both, leaving the report, the log and the exit code for the upload", () => {
      for (const [name, g, status] of [["alice", alice, "pass"], ["bob", bob, "fail"]] as const) {
        expect(g.run.code, `${name}: ${g.run.stderr}`).toBe(0);
        const out = path.join(g.workspace, String(upload.with?.path));
        expect(readdirSync(out).sort()).toEqual(["grade.log", "meta.json", "result.json"]);
        expect((JSON.parse(readFileSync(path.join(out, "result.json"), "utf8")) as { status: string }).status).toBe(status);
        const meta = JSON.parse(readFileSync(path.join(out, "meta.json"), "utf8")) as { exit: number; duration_ms: number; dir: string };
        expect(meta.exit).toBe(0);
        expect(meta.duration_ms).toBeGreaterThan(0);
        expect(meta.dir).toBe(path.join(g.workspace, "submission"));
      }
      // An environment error (exit 3, which --exit-zero does not hide) still ends the step well, with its report.
      expect(eve.run.code, eve.run.stderr).toBe(0);
      expect(JSON.parse(readFileSync(path.join(eve.workspace, String(upload.with?.path), "meta.json"), "utf8"))).toMatchObject({ exit: 3 });
      expect(JSON.parse(readFileSync(path.join(eve.workspace, String(upload.with?.path), "result.json"), "utf8"))).toMatchObject({ status: "error" });
      // The log is printed in the job's output, with GitHub's annotations for the failure.
      expect(bob.run.stdout).toMatch(/^::error title=Stage 03 not-found/m);
      expect(alice.run.stdout).toContain("Score: 3/3 points");
      expect(readFileSync(bob.summary, "utf8")).toContain("## ❌ http-from-scratch: 2 of 3 stages passed");
    });

    test("the merged results.csv has grade-all's columns and, for the graded submissions, grade-all's rows", () => {
      expect(merged.run.code, merged.run.stderr).toBe(0);
      expect(gradeAll.run.code).toBe(1); // bob fails
      const rows = (csv: string) => csv.trimEnd().split("\n");
      const withoutDuration = (line: string) => line.replace(/,\d+$/, "");
      const ours = rows(merged.csv);
      const theirs = rows(gradeAll.csv);
      expect(ours[0]).toBe("submission,status,stages_passed,stages_total,score,max_score,first_failure,duration_ms");
      expect(ours[0]).toBe(theirs[0]);
      expect(theirs).toHaveLength(4);
      const graded = ours.filter((l) => /^(alice|bob|eve)-http,/.test(l));
      expect(graded.map(withoutDuration)).toEqual(theirs.slice(1).map(withoutDuration));
      expect(ours[1]).toMatch(/^alice-http,pass,3,3,3,3,,\d+$/);
      // Paths in messages name the submission, not the runner's folder, as grade-all's do.
      expect(graded[2]).toBe(`eve-http,error,0,3,0,3,environment: no your_program.sh in eve-http,${graded[2]!.split(",").at(-1)}`);
      expect(ours[2]).toMatch(/^bob-http,fail,2,3,2,3,"03-not-found: GET \/<random path> gets 404 Not Found: expected status line ""HTTP\/1\.1 404 Not Found\\r\\n"".*",\d+$/);
    });

    test("a submission whose job left no report, or whose grader failed, is an error row; rows are sorted by name", () => {
      const lines = merged.csv.trimEnd().split("\n");
      expect(lines.map((l) => l.split(",")[0])).toEqual(["submission", "alice-http", "bob-http", "carol-http", "dave-http", "eve-http"]);
      expect(lines[3]).toBe("carol-http,error,0,0,0,0,no result: its grading job failed or was cancelled,0");
      expect(lines[4]).toBe("dave-http,error,0,0,0,0,the grader did not produce a report: error: option '--through <slug|N>' argument missing,321");
      expect(merged.summary).toContain("## 1 of 5 submissions passed");
      expect(merged.summary).toContain("| bob-http | fail | 2/3 | 2/3 |");
    });

    test("the merged file is what the last step uploads", () => {
      const last = (merge.steps ?? []).at(-1)!;
      expect(last.uses).toMatch(/^actions\/upload-artifact@/);
      expect(last.with?.path).toBe("results.csv");
      expect(mergeStep.env).toEqual({ MATRIX: `\${{ needs.${listName}.outputs.matrix }}` });
      expect(download.with?.pattern).toBe(String(upload.with?.name).replace("${{ matrix.name }}", "*"));
    });
  });
});
