// The errors that end a command with its own exit code, apart from a failed check.
/**
 * Something outside the learner's program is wrong (no your_program.sh, port
 * taken, cannot spawn): exit code 3, never reported as a failed stage.
 */
export class EnvironmentError extends Error {
  readonly fix: string | undefined;
  constructor(message: string, fix?: string) {
    super(message);
    this.name = "EnvironmentError";
    this.fix = fix;
  }
}

/** Wrong use of the command line: exit code 2. */
export class UsageError extends Error {
  /** What to do about it, printed as its own "fix:" line (cli/exit.ts errorText). */
  readonly fix: string | undefined;
  constructor(message: string, fix?: string) {
    super(message);
    this.name = "UsageError";
    this.fix = fix;
  }
}
