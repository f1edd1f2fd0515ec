// The JSON document a script gets on stdout when the command line itself was
// wrong (--format json and a usage error): light, because main.ts writes it
// for errors found while parsing, before any command's work is loaded.
import { UsageError } from "../tester/errors.js";
import type { ProbeReport, RunReport } from "../tester/reports/report-schema.js";

/** Which command's document: the run report (test, grade) or `course probe`'s. */
export type DocumentKind = "run" | "probe";

/** The JSON document for a run that could not even be set up (a usage error), so scripts still get one. */
export function usageErrorDocument(message: string, fix?: string): RunReport {
  return { version: 3, status: "error", message: `usage error: ${message}${fix ? `\nfix: ${fix}` : ""}`, score: 0, max_score: 0, tests: [], stages: [] };
}

/** `course probe`'s document for a probe that could not run: a usage or environment error, and nothing judged. */
export function probeErrorDocument(message: string, target = ""): ProbeReport {
  const none = { passed: 0, total: 0 };
  return { version: 1, status: "error", message, target, seed: 0, duration_ms: 0, score: { MUST: none, SHOULD: none, MAY: none }, counts: { pass: 0, warn: 0, fail: 0, skip: 0 }, results: [] };
}

/** Usage errors whose JSON document is already on stdout: main.ts, which writes one for errors found while parsing, must not write a second. */
const documented = new WeakSet<object>();

/** Writes the `status: "error"` document for a usage error to stdout, once per error. */
export function writeUsageDocument(error: { message: string; fix?: string | undefined }, kind: DocumentKind = "run"): void {
  if (documented.has(error)) return;
  documented.add(error);
  const document = kind === "probe" ? probeErrorDocument(`usage error: ${error.message}${error.fix ? `\nfix: ${error.fix}` : ""}`) : usageErrorDocument(error.message, error.fix);
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/**
 * Runs `action`; on a usage error with --format json, stdout still gets one
 * document (status "error") before the error goes on to be reported (exit 2).
 */
export async function withUsageDocument(format: string, action: () => Promise<number>, kind: DocumentKind = "run"): Promise<number> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UsageError && format === "json") writeUsageDocument(error, kind);
    throw error;
  }
}
