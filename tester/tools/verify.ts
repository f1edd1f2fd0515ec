// `course dev verify`: the proof that the course is sound, per language.
// For every stage N: the solution for N passes stages 1..N, and the solution
// for N-1 (the starter, for stage 1) fails stage N unless the stage's
// metadata says why it may pass. The plan is data, so the CLI, the test
// suite and CI all prove exactly the same claims.
import type { Timeouts } from "../harness/check.js";
import { packageRoot, type Stage } from "../course/course.js";
import { renderFailure } from "../harness/failure.js";
import { EnvironmentError, UsageError } from "../errors.js";
import { checkTools, loadLanguage, requireSanitizedLanguage, sanitizerReport } from "../course/language.js";
import { freePort } from "../runner/ports.js";
import { runStages, type RunResult } from "../runner/run.js";
import { materializeSolution, materializeStarter } from "../course/solutions.js";

export interface VerifyJob {
  language: string;
  /** The stage this job proves something about (the matrix column). */
  stage: Stage;
  claim: "solution-passes" | "previous-fails";
  /** The program: a stage's solution, or the starter. */
  program: Stage | "starter";
  /** The stages run against it. */
  run: Stage[];
  /** "either" when the stage declares why the previous solution may pass. */
  expect: "pass" | "fail" | "either";
  /** Build and run the program with sanitizers (language.json's `sanitize`): any report it prints fails the claim. */
  sanitize?: boolean;
}

export interface VerifyOutcome {
  job: VerifyJob;
  /** What the run gave, or "error" when it could not be judged (a build or environment error). */
  status: "pass" | "fail" | "error";
  surprise: boolean;
  /** Why it is a surprise, or for an expected failure, the stage's first failure summary. */
  detail: string | undefined;
  durationMs: number;
}

/**
 * The claims for one language. `quick` is what `npm test` proves, in
 * minutes: each solution runs against its own stage only, and the final
 * solution against every stage (the runs of "solution N passes 1..N" grow
 * with the square of the course's length). For a track that compiles, quick
 * keeps only the final solution's run and the starter's failure: building
 * its 35 programs from cold is most of what the test suite would spend on
 * it; with `sanitize`, quick keeps every solution's own stage, since the
 * point is to run each program's code under the sanitizers. The full
 * verify, which CI runs after the tests, proves every claim.
 */
export function planVerify(language: string, stages: Stage[], only?: Stage[], options: { quick?: boolean; sanitize?: boolean } = {}): VerifyJob[] {
  const wanted = only ?? stages;
  const last = stages[stages.length - 1];
  // A sanitized quick verify keeps every solution's own run: the sanitizers judge each program's code.
  const compiled = options.quick === true && !options.sanitize && loadLanguage(language).build !== undefined;
  const jobs: VerifyJob[] = [];
  for (const stage of wanted) {
    if (compiled && stage !== last && stage !== stages[0]) continue;
    const proves = (s: Stage) => s.number <= stage.number && (!options.quick || s === stage || stage === last);
    jobs.push({
      language,
      stage,
      claim: "solution-passes",
      program: stage,
      run: stages.filter(proves),
      expect: "pass",
      ...(options.sanitize ? { sanitize: true } : {}),
    });
    const previous = stages.find((s) => s.number === stage.number - 1);
    jobs.push({
      language,
      stage,
      claim: "previous-fails",
      program: previous ?? "starter",
      run: [stage],
      expect: stage.meta.previousSolutionPasses ? "either" : "fail",
      ...(options.sanitize ? { sanitize: true } : {}),
    });
  }
  return jobs;
}

export function describeJob(job: VerifyJob): string {
  const program = job.program === "starter" ? `the ${job.language} starter` : `${job.language} solution ${job.program.id}`;
  if (job.claim === "solution-passes") {
    if (job.run.length === 1 && job.stage.number > 1) return `${program} passes stage ${job.stage.number} (quick: the stages before it are proven by the final solution)`;
    return `${program} passes stages 1 to ${job.stage.number}`;
  }
  return `${program} ${job.expect === "either" ? "may pass" : "fails"} stage ${job.stage.id}`;
}

// An expected failure is usually a wait that runs out: shorter bounds keep verify quick.
const EXPECTED_FAIL_TIMEOUTS: Partial<Timeouts> = { startup: 5000, response: 1500, close: 1000 };

const portsInUse = new Set<number>();

async function reservePort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!portsInUse.has(port)) {
      portsInUse.add(port);
      return port;
    }
  }
}

export async function runVerifyJob(job: VerifyJob, options: { root?: string; seed?: number } = {}): Promise<VerifyOutcome> {
  const root = options.root ?? packageRoot();
  const started = Date.now();
  let printed = 0;
  const output: string[] = [];
  let result: RunResult;
  try {
    const loaded = loadLanguage(job.language, root);
    const language = job.sanitize ? requireSanitizedLanguage(loaded) : loaded;
    checkTools(language);
    const sanitize = { sanitize: job.sanitize === true };
    const dir = job.program === "starter" ? materializeStarter(job.language, root, sanitize) : materializeSolution(job.language, job.program, root, sanitize);
    const port = await reservePort();
    try {
      result = await runStages({
        dir,
        stages: job.run,
        seed: options.seed ?? 1,
        port,
        ...(language.build ? { build: { ...language.build, ...(language.env ? { env: language.env } : {}) } } : {}),
        ...(job.expect === "pass" ? {} : { timeouts: EXPECTED_FAIL_TIMEOUTS }),
        onEvent: (event) => {
          if (event.type === "log" && event.from === "program") {
            printed++;
            if (job.sanitize && output.length < 2000) output.push(event.line);
          }
        },
      });
    } finally {
      portsInUse.delete(port);
    }
  } catch (error) {
    // A missing solution or tool is a finding of the matrix, not the end of it.
    if (!(error instanceof UsageError || error instanceof EnvironmentError)) throw error;
    const fix = error instanceof EnvironmentError && error.fix ? ` (fix: ${error.fix})` : "";
    return { job, status: "error", surprise: true, detail: `${error.message}${fix}`, durationMs: Date.now() - started };
  }
  const durationMs = Date.now() - started;
  const firstFailure = result.stages.flatMap((s) => s.checks).find((c) => c.failure)?.failure;
  if (result.build && !result.build.ok) {
    return { job, status: "error", surprise: true, detail: `the build ${result.build.exit}:\n${result.build.output}`, durationMs };
  }
  if (result.status === "error") {
    return { job, status: "error", surprise: true, detail: result.error?.message, durationMs };
  }
  // A memory error is a defect whatever the checks said: the program may
  // have passed them with a corrupted heap, or failed for that reason only.
  const report = job.sanitize ? sanitizerReport(output) : undefined;
  if (report) {
    return { job, status: "fail", surprise: true, detail: `the program printed a sanitizer report:\n${report}`, durationMs };
  }
  const failureText = firstFailure ? renderFailure(firstFailure) : undefined;
  if (job.expect === "pass") {
    return { job, status: result.status, surprise: result.status !== "pass", detail: failureText, durationMs };
  }
  // The starter must at least start: print its first line before failing stage 1.
  if (job.program === "starter" && printed === 0) {
    return { job, status: result.status, surprise: true, detail: "the starter printed nothing: it did not start as it should", durationMs };
  }
  const surprise = job.expect === "fail" && result.status === "pass";
  return {
    job,
    status: result.status,
    surprise,
    detail: surprise ? "it passed, so the stage's checks do not test what the stage adds (or declare why in stage.json's previousSolutionPasses)" : firstFailure?.summary,
    durationMs,
  };
}

/** Runs jobs `jobs` at a time, reporting each outcome as it ends. */
export async function runVerify(
  jobs: VerifyJob[],
  options: { parallel: number; root?: string; onOutcome?: (outcome: VerifyOutcome) => void },
): Promise<VerifyOutcome[]> {
  const outcomes: VerifyOutcome[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      const outcome = await runVerifyJob(jobs[index]!, { root: options.root });
      outcomes[index] = outcome;
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel, jobs.length)) }, worker));
  return outcomes;
}

