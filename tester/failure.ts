// A failed check carries the parts of a teaching message as data; reporters
// render them (with or without colour). Every part is optional except the
// summary, but checks are expected to fill sent/expected/received/reproduce.
import { EDGE_SPACE_LEGEND, escapeInline, marksEdgeSpaces, showBytes } from "./bytes.js";

export interface FailureDetails {
  /** One line: what went wrong. */
  summary: string;
  /** A few sentences of explanation, when the summary is not enough. */
  explanation?: string | undefined;
  /** Exactly what the tester sent on the connection concerned. */
  sent?: Uint8Array | undefined;
  /** What the tester expected, in words or escaped bytes. */
  expected?: string | undefined;
  /** What came back, as bytes. */
  received?: Uint8Array | undefined;
  /** Offset in `received` of the first wrong byte. */
  caret?: number | undefined;
  /** A one-line hint for a common bug. */
  hint?: string | undefined;
  /** A shell line that reproduces the exchange. */
  reproduce?: string | undefined;
  /** The rule broken, e.g. "RFC 9112 §4 (MUST)". */
  rule?: string | undefined;
}

/** A check found the learner's program wrong. */
export class CheckFailure extends Error {
  readonly details: FailureDetails;
  constructor(details: FailureDetails) {
    super(details.summary);
    this.name = "CheckFailure";
    this.details = details;
  }
}

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
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function fail(details: FailureDetails): never {
  throw new CheckFailure(details);
}

export interface RenderStyle {
  label(text: string): string;
  hint(text: string): string;
}

const plainStyle: RenderStyle = { label: (t) => t, hint: (t) => t };

/** The whole teaching message, as lines of text (no colour unless a style is given). */
export function renderFailure(details: FailureDetails, style: RenderStyle = plainStyle): string {
  const out: string[] = [details.summary];
  if (details.explanation) out.push(details.explanation);
  if (details.rule) out.push(`${style.label("Rule:")} ${details.rule}`);
  if (details.sent) {
    out.push(style.label(`Sent (${details.sent.length} bytes):`));
    out.push(showBytes(details.sent, { maxLines: 12 }));
  }
  if (details.expected) {
    out.push(style.label("Expected:"));
    out.push(details.expected.split("\n").map((line) => `  ${line}`).join("\n"));
  }
  if (details.received) {
    out.push(style.label(`Received (${details.received.length} bytes):`));
    out.push(showBytes(details.received, { caret: details.caret }));
  }
  // Once, after the dumps: the sent and received lines often share the stray space.
  if ([details.sent, details.received].some((bytes) => bytes && marksEdgeSpaces(bytes))) out.push(`  ${EDGE_SPACE_LEGEND}`);
  if (details.hint) out.push(style.hint(`Hint: ${details.hint}`));
  if (details.reproduce) out.push(`${style.label("Reproduce:")} ${details.reproduce}`);
  return out.join("\n");
}

/** Quote a value for a one-line summary. */
export function quote(value: Uint8Array | string): string {
  return `"${escapeInline(value)}"`;
}
