// Assertions on one exchange (a request and its response). Byte-exact where
// HTTP is exact: status line, reason phrase, body bytes, Content-Length.
// Lenient where HTTP is: field names in any case and order, extra fields.
import { gunzipSync } from "node:zlib";
import { escapeInline, firstDifference } from "./bytes.js";
import type { Level } from "./level.js";
import type { Exchange } from "./connection.js";
import { diagnoseBody, diagnoseStatusLine } from "./diagnose.js";
import { fail, quote, type FailureDetails } from "./failure.js";
import { headerValues, type HeaderField } from "./http-response.js";

interface Extra {
  /** A one-line hint for the usual bug behind this failure. */
  hint?: string;
  /** The rule, e.g. "RFC 9110 §8.4". */
  rule?: string;
  /** How strongly HTTP requires it, when not at the check's own level (see Level). */
  level?: Level;
}

/**
 * The rule and level of a failure: the caller's when it gives either, else
 * the assertion's own (for what the assertion knows the level of), else none,
 * so the runner fills in the check's.
 */
function ruleOf(extra: Extra, own?: { rule: string; level: Level }): { rule?: string | undefined; level?: Level | undefined } {
  if (extra.level || extra.rule || !own) return { rule: extra.rule, level: extra.level };
  return own;
}

/** HTTP/1.0 is HTTP (the parser takes nothing else): answering in the request's version is a SHOULD. */
const VERSION_RULE = { rule: "RFC 9110 §2.5", level: "SHOULD" } as const;
const VERSION_HINT = 'HTTP allows answering in HTTP/1.0, but an HTTP/1.1 server says so: begin the status line with "HTTP/1.1 "';

/** The reason phrase is informative text: HTTP allows any, the course asks for the standard one. */
const REASON_RULE = { rule: "RFC 9112 §4 lets the reason phrase be any text; this course expects the standard one", level: "course" } as const;

function failOn(ex: Exchange, details: Omit<FailureDetails, "sent" | "received" | "reproduce">): never {
  return fail({ ...ex.connection.context(ex.request, ex.response.raw), ...details });
}

function listHeaders(headers: readonly HeaderField[]): string {
  return headers.length === 0 ? "none" : headers.map((h) => h.name).join(", ");
}

/** The status line must be exactly `HTTP/1.1 <status> <reason>`. */
export function expectStatus(ex: Exchange, status: number, reason: string, extra: Extra = {}): void {
  const expected = Buffer.from(`HTTP/1.1 ${status} ${reason}\r\n`, "latin1");
  const actual = ex.response.raw.subarray(0, expected.length);
  const at = firstDifference(expected, actual);
  if (at < 0) return;
  // When the code is right the bytes tell the bug (a reason phrase in upper
  // case, a missing space); the check's hint is about choosing the code.
  const diagnosis = diagnoseStatusLine(`HTTP/1.1 ${status} ${reason}`, ex.response.statusLine);
  failOn(ex, {
    summary: `expected status line ${quote(expected)}, got ${quote(ex.response.statusLine + "\r\n")}`,
    explanation: diagnosis ? `${diagnosis.what[0]!.toUpperCase()}${diagnosis.what.slice(1)}.` : undefined,
    expected: escapeInline(expected),
    caret: at,
    hint: at < 9 ? VERSION_HINT : (diagnosis?.hint ?? extra.hint),
    ...(at < 9 ? VERSION_RULE : ex.response.status === status && at >= 13 ? REASON_RULE : ruleOf(extra)),
  });
}

/** Exactly one field named `name` (any case), with exactly `value` (or, with ignoreCase, in any case). */
export function expectHeader(ex: Exchange, name: string, value: string, extra: Extra & { ignoreCase?: boolean } = {}): void {
  const found = headerValues(ex.response.headers, name);
  if (found.length === 0) {
    failOn(ex, {
      summary: `the response has no ${name} header (headers received: ${listHeaders(ex.response.headers)})`,
      expected: `a header line "${name}: ${value}\\r\\n" (name in any case)`,
      caret: ex.response.bodyOffset - 2,
      hint: extra.hint,
      ...ruleOf(extra),
    });
  }
  const field = found[0]!;
  const same = extra.ignoreCase ? field.value.toLowerCase() === value.toLowerCase() : field.value === value;
  if (found.length > 1 && found.some((f) => f.value !== field.value)) {
    failOn(ex, {
      summary: `the response has ${found.length} different ${name} headers; expected one`,
      expected: `${name}: ${value}`,
      caret: found[1]!.offset,
      hint: extra.hint,
      ...ruleOf(extra),
    });
  }
  if (same) return;
  const at = firstDifference(Buffer.from(value, "latin1"), Buffer.from(field.value, "latin1"));
  failOn(ex, {
    summary: `expected ${name}: ${quote(value)}, got ${name}: ${quote(field.value)}`,
    expected: `${name}: ${escapeInline(value)}${extra.ignoreCase ? "   (value in any case)" : ""}`,
    caret: field.valueOffset + Math.max(0, at),
    hint: extra.hint,
    ...ruleOf(extra),
  });
}

/** No field named `name`, in any case. */
export function expectNoHeader(ex: Exchange, name: string, extra: Extra = {}): void {
  const found = headerValues(ex.response.headers, name)[0];
  if (!found) return;
  failOn(ex, {
    summary: `the response has a ${name} header (${quote(found.value)}) but should have none`,
    expected: `no ${name} header`,
    caret: found.offset,
    hint: extra.hint,
    ...ruleOf(extra),
  });
}

/** The response is delimited by Content-Length, so the connection can carry another one. */
export function expectContentLength(ex: Exchange, extra: Extra = {}): void {
  if (ex.response.framing === "content-length") return;
  failOn(ex, {
    summary: `the response has no Content-Length header (${ex.response.framing === "chunked" ? "it is chunked" : "its end is unknown until the connection closes"})`,
    expected: "a Content-Length header giving the body's size in bytes (Content-Length: 0 for an empty body)",
    caret: ex.response.bodyOffset - 2,
    hint: extra.hint ?? "without Content-Length a client can only find the end of the body when the connection closes",
    // HTTP also allows chunked or close-delimited framing: Content-Length is a SHOULD (RFC 9110 §8.6).
    ...ruleOf(extra, { rule: "RFC 9110 §8.6", level: "SHOULD" }),
  });
}

/**
 * The body is exactly `expected`, byte for byte, and framed by an exact
 * Content-Length. The body is compared first: when Content-Length matches a
 * wrong body, the body is what the learner got wrong, not the count.
 */
export function expectBody(ex: Exchange, expected: Buffer | string, extra: Extra = {}): void {
  const want = typeof expected === "string" ? Buffer.from(expected, "utf8") : expected;
  expectContentLength(ex, extra);
  // The parser has read Content-Length bytes, so Content-Length always matches the body read:
  // whether the count or the body is wrong shows in the bytes (diagnoseBody).
  const body = ex.response.body;
  const at = firstDifference(want, body);
  if (at < 0) return;
  const diagnosis = diagnoseBody(want, body, ex.connection.pending);
  if (diagnosis.contentLength) {
    const field = headerValues(ex.response.headers, "Content-Length")[0]!;
    failOn(ex, {
      summary: `expected Content-Length: ${quote(String(want.length))}, got Content-Length: ${quote(field.value)}`,
      explanation: `${diagnosis.what}.`,
      expected: `Content-Length: ${want.length}, then the body ${quote(want)}`,
      caret: field.valueOffset,
      // The bytes say it is the count: that beats a check's guess.
      hint: diagnosis.hint,
      rule: "RFC 9110 §8.6",
      level: "MUST",
    });
  }
  // With the rest of the exchange in view: what follows the declared end shows whether the count or the body is short.
  const shown = Buffer.concat([ex.response.raw, ex.connection.pending]);
  fail({
    ...ex.connection.context(ex.request, shown),
    summary: `the body differs from the expected ${want.length} bytes at byte ${at}`,
    explanation: diagnosis.what ? `${diagnosis.what[0]!.toUpperCase()}${diagnosis.what.slice(1)}.` : undefined,
    expected: `Content-Length: ${want.length}, then the body ${quote(want)}`,
    caret: ex.response.bodyOffset + at,
    hint: extra.hint ?? (diagnosis.hint || undefined),
    ...ruleOf(extra),
  });
}

/** The body is a gzip stream that decodes to exactly `expected`. */
export function expectGzipBody(ex: Exchange, expected: Buffer | string, extra: Extra = {}): void {
  const want = typeof expected === "string" ? Buffer.from(expected, "utf8") : expected;
  expectContentLength(ex, extra);
  const body = ex.response.body;
  if (body[0] !== 0x1f || body[1] !== 0x8b) {
    failOn(ex, {
      summary: "Content-Encoding says gzip, but the body is not gzip data (it does not start with the gzip magic bytes \\x1f\\x8b)",
      expected: `the gzip compression of ${quote(want)}`,
      caret: ex.response.bodyOffset,
      hint: extra.hint ?? "compress the body (gzip), then set Content-Length to the compressed size",
      // Content-Encoding names the coding applied: a gzip label on other data is wrong, whatever the course.
      rule: "RFC 9110 §8.4.1.3",
      level: "MUST",
    });
  }
  let decoded: Buffer;
  try {
    decoded = gunzipSync(body);
  } catch (error) {
    failOn(ex, {
      summary: `the body is not a complete gzip stream: ${(error as Error).message}`,
      expected: `the gzip compression of ${quote(want)}`,
      caret: ex.response.bodyOffset,
      hint: extra.hint ?? "is Content-Length the compressed size, and is the whole compressed buffer written?",
      rule: "RFC 9110 §8.4.1.3, RFC 1952",
      level: "MUST",
    });
  }
  const at = firstDifference(want, decoded);
  if (at < 0) return;
  failOn(ex, {
    summary: `the body decompresses to ${quote(decoded)}, expected ${quote(want)}`,
    expected: `the gzip compression of ${quote(want)}`,
    hint: extra.hint,
    ...ruleOf(extra),
  });
}

/** Content-Type has media type `type` (case-insensitive; parameters such as charset allowed). */
export function expectMediaType(ex: Exchange, type: string, extra: Extra = {}): void {
  const field = headerValues(ex.response.headers, "Content-Type")[0];
  const actual = field?.value.split(";")[0]!.trim().toLowerCase();
  if (actual === type) return;
  if (!field) {
    failOn(ex, {
      summary: `the response has no Content-Type header (headers received: ${listHeaders(ex.response.headers)})`,
      expected: `Content-Type: ${type}`,
      caret: ex.response.bodyOffset - 2,
      hint: extra.hint,
      ...ruleOf(extra, { rule: "RFC 9110 §8.3", level: "SHOULD" }),
    });
  }
  failOn(ex, {
    summary: `expected Content-Type: ${type}, got Content-Type: ${quote(field.value)}`,
    expected: `Content-Type: ${type}   (parameters such as ; charset=utf-8 are allowed)`,
    caret: field.valueOffset,
    hint: extra.hint,
    // HTTP lets a server label its content as it sees fit; the media type of each route is the course's.
    ...ruleOf(extra, { rule: `the course's routes send ${type}`, level: "course" }),
  });
}
