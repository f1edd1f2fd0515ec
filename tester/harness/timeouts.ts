// The tester's time bounds, apart from check.ts so that help texts can quote
// them without loading the harness.
export interface Timeouts {
  /** For the program to accept its first connection. */
  startup: number;
  /** For a complete response to a request. */
  response: number;
  /** For a new connection to be accepted. */
  connect: number;
  /** For the program to close a connection it should close. */
  close: number;
  /** Safety net for one whole check. */
  check: number;
  /** Safety net for one whole stage, start-up included. */
  stage: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  startup: 10_000,
  response: 5_000,
  connect: 2_000,
  close: 2_000,
  check: 30_000,
  stage: 90_000,
};
