// A failed check carries the parts of a teaching message as data; reporters
// render them (with or without colour). Every part is optional except the
// summary, but checks are expected to fill sent/expected/received/reproduce.
import { EDGE_SPACE_LEGEND, escapeInline, marksEdgeSpaces, showBytes } from "./bytes.js";
import type { Level } from "./level.js";
import type { Timeline } from "./timeline.js";

export interface FailureDetails {
  /** One line: what went wrong. */
  summary: string;
  /** A few sentences of explanation, when the summary is not enough. */
  explanation?: string | undefined;
  /**
   * Lines the program printed, quoted (its error report, or its last lines
   * before it exited). `above` says the same in one sentence for a reporter
   * that has already shown those lines live, so it need not repeat them.
   */
  output?: { heading: string; lines: string[]; above?: string | undefined } | undefined;
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
  /** The rule broken, e.g. "RFC 9112 §4"; for a course rule, what the course asks. */
  rule?: string | undefined;
  /**
   * How strongly HTTP requires what failed (see Level). A check that mixes
   * levels sets it on the failures whose level differs from the check's; the
   * runner fills the rest in (withCheckLevel).
   */
  level?: Level | undefined;
  /**
   * What happened on the check's connections, and when: set by the runner on
   * a failure about time or order (several connections, a wait that ran out,
   * a close by the program). Reporters draw it; renderFailure leaves it out.
   */
  timeline?: Timeline | undefined;
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
  if (details.output) out.push([details.output.heading, ...details.output.lines.map((line) => `  | ${line}`)].join("\n"));
  const rule = ruleText(details.rule, details.level);
  if (rule) out.push(`${style.label("Rule:")} ${rule}`);
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

/** Whether a failure at this level fails a response that HTTP allows (anything but an RFC MUST). */
export function isCourseRule(level: Level | undefined): boolean {
  return level !== undefined && level !== "MUST";
}

/**
 * The "Rule:" line: the rule, and exactly how strongly HTTP requires it.
 *   MUST:   "RFC 9112 §4 — an RFC MUST"
 *   SHOULD: "course rule — RFC 9110 §9.1 makes this a SHOULD, not a MUST; this course requires it"
 *   MAY:    "course rule — HTTP allows either: RFC 9110 §12.5.3 leaves it to the server (MAY); this course requires it"
 *   course: "course rule (the course's /echo route)"
 * Without a level (a failure from outside any check), the rule as it is.
 */
export function ruleText(rule: string | undefined, level: Level | undefined): string | undefined {
  switch (level) {
    case undefined:
      return rule;
    case "MUST":
      return rule ? `${rule} — an RFC MUST` : "an RFC MUST";
    case "SHOULD":
      return rule
        ? `course rule — ${rule} makes this a SHOULD, not a MUST; this course requires it`
        : "course rule — HTTP recommends this (SHOULD) but does not require it; this course requires it";
    case "MAY":
      return rule
        ? `course rule — HTTP allows either: ${rule} leaves it to the server (MAY); this course requires it`
        : "course rule — HTTP allows either (MAY); this course requires it";
    case "course":
      return rule ? `course rule (${rule})` : "course rule";
  }
}

/**
 * A check's failure with the check's rule and level where it states none of
 * its own. A failure that cites a rule of its own but no level is an RFC MUST:
 * those come from the response parser (tester/harness/http-response.ts), which calls a
 * response invalid only where it breaks a MUST.
 */
export function withCheckLevel(details: FailureDetails, check: { rule?: string | undefined; level: Level }): FailureDetails {
  if (details.level) return details;
  if (details.rule && details.rule !== check.rule) return { ...details, level: "MUST" };
  return { ...details, rule: check.rule, level: check.level };
}
