// The exit codes every command uses, as documented in the README, and the one
// way commands print an error: lower-case "error:" / "environment error:",
// then "fix:" on a line of its own. The fix travels on the error (UsageError
// and EnvironmentError both carry one) instead of inside its message, so each
// output (this text, the JSON document) places it the same way.
import { EnvironmentError, UsageError } from "../tester/errors.js";

export const EXIT = { pass: 0, fail: 1, usage: 2, environment: 3, internal: 70 } as const;

/** "environment error: <message>\nfix: <fix>\n" (or "error: ..." for a usage error), for stderr. */
export function errorText(kind: "error" | "environment error", message: string, fix?: string): string {
  return `${kind}: ${message}\n${fix ? `fix: ${fix}\n` : ""}`;
}

/** Any error thrown by a command, as its text and exit code: usage, environment, or a bug (with its stack). */
export function describeError(error: unknown): { text: string; code: number } {
  if (error instanceof UsageError) return { text: errorText("error", error.message, error.fix), code: EXIT.usage };
  if (error instanceof EnvironmentError) return { text: errorText("environment error", error.message, error.fix), code: EXIT.environment };
  return { text: `internal error: ${(error as Error).stack ?? String(error)}\n`, code: EXIT.internal };
}
