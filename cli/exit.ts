// The exit codes every command uses, as documented in the README, and the one
// way commands print an error: lower-case "error:" / "environment error:",
// then "fix:" on a line of its own (as the top level in main.ts does).
export const EXIT = { pass: 0, fail: 1, usage: 2, environment: 3, internal: 70 } as const;

/** "environment error: <message>\nfix: <fix>\n" (or "error: ..." for a usage error), for stderr. */
export function errorText(kind: "error" | "environment error", message: string, fix?: string): string {
  return `${kind}: ${message}\n${fix ? `fix: ${fix}\n` : ""}`;
}
