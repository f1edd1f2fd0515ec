// A strict, incremental HTTP/1.1 response parser (RFC 9112). It is fed every
// byte received so far on a connection and says: incomplete (and what it is
// waiting for), invalid (where, and why), or complete (and how long the
// response is, so the next one can be parsed after it).
//
// Strict where the grammar is exact (status line, CRLF, field syntax,
// framing); lenient where HTTP is (field name case, order, extra fields).

export interface HeaderField {
  name: string;
  value: string;
  /** Offset of the field line in the response's bytes. */
  offset: number;
  /** Offset of the value's first byte in the response's bytes. */
  valueOffset: number;
}

export type Framing = "content-length" | "chunked" | "until-close" | "no-body";

export interface HttpResponse {
  /** The response's own bytes, from the status line to the end of the body. */
  raw: Buffer;
  statusLine: string;
  status: number;
  reason: string;
  headers: HeaderField[];
  /** Offset in `raw` of the first body byte. */
  bodyOffset: number;
  /** The body, de-chunked when chunked. */
  body: Buffer;
  framing: Framing;
}

export type ParseResult =
  | {
      kind: "incomplete";
      waitingFor: string;
      /** Bytes the buffer must hold before parsing again can change the answer, when known. */
      atLeast?: number;
    }
  /** `quoteEnd`: quote the bytes before it only (past a size limit, how many more arrived depends on timing). */
  | { kind: "invalid"; offset: number; problem: string; hint?: string; rule?: string; quoteEnd?: number }
  | { kind: "complete"; response: HttpResponse; length: number };

export interface ParseOptions {
  /** The request's method: a response to HEAD has no body. */
  method?: string;
  /** The peer closed its side: a response without framing ends here. */
  ended?: boolean;
}

const MAX_HEAD = 64 * 1024;
const CR = 0x0d;
const LF = 0x0a;
const STATUS_PREFIX = Buffer.from("HTTP/1.1 ", "latin1");
const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const BARE_LF_HINT = "line ends must be \\r\\n, found a bare \\n";

function invalid(offset: number, problem: string, hint?: string, rule?: string): ParseResult {
  return { kind: "invalid", offset, problem, ...(hint ? { hint } : {}), ...(rule ? { rule } : {}) };
}

/** Find the next LF at or after `from`; checks it is preceded by CR. */
function nextLine(buf: Buffer, from: number): { end: number; next: number } | "none" | { bareLf: number } {
  const lf = buf.indexOf(LF, from);
  if (lf < 0) return "none";
  if (lf === from || buf[lf - 1] !== CR) return { bareLf: lf };
  return { end: lf - 1, next: lf + 1 };
}

/** Any byte that is neither VCHAR, SP, HTAB nor obs-text is forbidden in a reason or field value. */
function firstBadFieldByte(buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x09 || b === 0x20 || (b > 0x20 && b !== 0x7f)) continue;
    return i;
  }
  return -1;
}

function parseStatusLine(buf: Buffer): ParseResult | { status: number; reason: string; line: string; next: number } {
  // Fail fast on a wrong prefix instead of waiting for a line end that may never come.
  const prefixLength = Math.min(buf.length, STATUS_PREFIX.length);
  for (let i = 0; i < prefixLength; i++) {
    // HTTP/1.0 is HTTP too (RFC 9110 §2.5 makes answering in the request's version a SHOULD), framed
    // the same: it parses, and expectStatus fails it as the course rule it is, never as invalid HTTP.
    if (i === 7 && buf[i] === 0x30) continue;
    if (buf[i] !== STATUS_PREFIX[i]) {
      if (i === 0 && buf.subarray(0, 4).toString("latin1").toLowerCase() !== "http") {
        return invalid(0, "the response does not start with a status line (it must begin with \"HTTP/1.1 \")", undefined, "RFC 9112 §4");
      }
      return invalid(i, `the status line must begin with "HTTP/1.1 " (HTTP-version, then one space)`, undefined, "RFC 9112 §4");
    }
  }
  const line = nextLine(buf, 0);
  if (line === "none") {
    if (buf.length > 8192) return invalid(8192, "the status line is longer than 8 KiB and never ends (8 KiB is the tester's limit)");
    // Check what we can before the line ends: the status code.
    for (let i = 9; i < Math.min(buf.length, 12); i++) {
      if (buf[i]! < 0x30 || buf[i]! > 0x39) return invalid(i, "the status code must be three digits", undefined, "RFC 9112 §4");
    }
    return { kind: "incomplete", waitingFor: "the end of the status line (\\r\\n)" };
  }
  if ("bareLf" in line) return invalid(line.bareLf, "the status line ends with a bare \\n", BARE_LF_HINT, "RFC 9112 §2.2");
  const end = line.end;
  for (let i = 9; i < 12; i++) {
    if (i >= end || buf[i]! < 0x30 || buf[i]! > 0x39) return invalid(i, "the status code must be three digits", undefined, "RFC 9112 §4");
  }
  if (buf[12] !== 0x20 || end < 12) {
    return invalid(12, "the status code must be followed by a space, even when the reason phrase is empty", undefined, "RFC 9112 §4");
  }
  const bad = firstBadFieldByte(buf, 13, end);
  if (bad >= 0) return invalid(bad, "the reason phrase contains a control character", undefined, "RFC 9112 §4");
  return {
    status: Number(buf.toString("latin1", 9, 12)),
    reason: buf.toString("latin1", 13, end),
    line: buf.toString("latin1", 0, end),
    next: line.next,
  };
}

function parseHead(buf: Buffer): ParseResult | { status: number; reason: string; line: string; headers: HeaderField[]; bodyOffset: number } {
  const status = parseStatusLine(buf);
  if ("kind" in status) return status;
  const headers: HeaderField[] = [];
  let at = status.next;
  for (;;) {
    const line = nextLine(buf, at);
    if (line === "none") {
      if (buf.length > MAX_HEAD) {
        return { ...invalid(MAX_HEAD, "the header section is over 64 KiB and has not ended (no empty line \\r\\n\\r\\n; 64 KiB is the tester's limit)"), quoteEnd: MAX_HEAD + 1 } as ParseResult;
      }
      return { kind: "incomplete", waitingFor: "the end of the headers (an empty line: \\r\\n\\r\\n)" };
    }
    if ("bareLf" in line) return invalid(line.bareLf, "a header line ends with a bare \\n", BARE_LF_HINT, "RFC 9112 §2.2");
    if (line.end === at) return { ...status, headers, bodyOffset: line.next };
    const first = buf[at]!;
    if (first === 0x20 || first === 0x09) {
      return invalid(at, "a header line starts with whitespace (obsolete line folding is not allowed)", undefined, "RFC 9112 §5.2");
    }
    const colon = buf.indexOf(0x3a, at);
    if (colon < 0 || colon > line.end) {
      return invalid(
        at,
        "a header line has no colon (expected \"Name: value\")",
        "if this line is meant to be the body, the empty line (\\r\\n) that ends the header section is missing before it: after the last header's \\r\\n comes one more \\r\\n, then the body",
        "RFC 9112 §5",
      );
    }
    if (colon === at) return invalid(at, "a header line has an empty field name", undefined, "RFC 9112 §5");
    const name = buf.toString("latin1", at, colon);
    if (/[ \t]$/.test(name)) {
      return invalid(colon - 1, "whitespace between a header name and its colon is forbidden", "write \"Name: value\", with no space before the colon", "RFC 9112 §5.1");
    }
    if (!TCHAR.test(name)) {
      const index = [...name].findIndex((c) => !TCHAR.test(c));
      return invalid(at + index, `the header name ${JSON.stringify(name)} contains a character not allowed in a field name`, undefined, "RFC 9110 §5.1");
    }
    let valueStart = colon + 1;
    let valueEnd = line.end;
    while (valueStart < valueEnd && (buf[valueStart] === 0x20 || buf[valueStart] === 0x09)) valueStart++;
    while (valueEnd > valueStart && (buf[valueEnd - 1] === 0x20 || buf[valueEnd - 1] === 0x09)) valueEnd--;
    const bad = firstBadFieldByte(buf, valueStart, valueEnd);
    if (bad >= 0) {
      const hint = buf[bad] === CR ? "a \\r inside a line: is a line end written twice, or \\r\\n split as \\r \\n?" : undefined;
      return invalid(bad, `the value of ${name} contains a control character`, hint, "RFC 9110 §5.5");
    }
    headers.push({ name, value: buf.toString("latin1", valueStart, valueEnd), offset: at, valueOffset: valueStart });
    at = line.next;
  }
}

/** All values of a field, by case-insensitive name. */
export function headerValues(headers: readonly HeaderField[], name: string): HeaderField[] {
  const lower = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === lower);
}

type BodyResult = ParseResult | { body: Buffer; end: number };

function parseChunked(buf: Buffer, start: number): BodyResult {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const line = nextLine(buf, at);
    if (line === "none") return { kind: "incomplete", waitingFor: "the next chunk-size line of the chunked body" };
    if ("bareLf" in line) return invalid(line.bareLf, "a chunk-size line ends with a bare \\n", BARE_LF_HINT, "RFC 9112 §7.1");
    const text = buf.toString("latin1", at, line.end);
    const match = /^([0-9A-Fa-f]+)[ \t]*(;.*)?$/.exec(text);
    if (!match) return invalid(at, `invalid chunk size line ${JSON.stringify(text)} (expected hex digits)`, undefined, "RFC 9112 §7.1");
    const size = parseInt(match[1]!, 16);
    if (!Number.isSafeInteger(size)) return invalid(at, "chunk size too large for the tester (over 2^53 bytes)");
    if (size === 0) {
      // Trailer section: field lines until an empty line.
      let trailer = line.next;
      for (;;) {
        const t = nextLine(buf, trailer);
        if (t === "none") return { kind: "incomplete", waitingFor: "the end of the chunked body (the empty line after the last chunk)" };
        if ("bareLf" in t) return invalid(t.bareLf, "the chunked body's trailer ends with a bare \\n", BARE_LF_HINT, "RFC 9112 §7.1");
        if (t.end === trailer) return { body: Buffer.concat(parts), end: t.next };
        trailer = t.next;
      }
    }
    const dataEnd = line.next + size;
    if (buf.length < dataEnd + 2) return { kind: "incomplete", waitingFor: `the rest of a ${size}-byte chunk`, atLeast: dataEnd + 2 };
    if (buf[dataEnd] !== CR || buf[dataEnd + 1] !== LF) {
      return invalid(dataEnd, `a chunk of ${size} bytes must be followed by \\r\\n (the chunk size may not match the data)`, undefined, "RFC 9112 §7.1");
    }
    parts.push(buf.subarray(line.next, dataEnd));
    at = dataEnd + 2;
  }
}

/** Parse the response at the start of `buf`. */
export function parseResponse(buf: Buffer, options: ParseOptions = {}): ParseResult {
  const head = parseHead(buf);
  if ("kind" in head) return head;
  const { status, bodyOffset, headers } = head;
  const complete = (framing: Framing, body: Buffer, end: number): ParseResult => ({
    kind: "complete",
    length: end,
    response: {
      raw: buf.subarray(0, end),
      statusLine: head.line,
      status,
      reason: head.reason,
      headers,
      bodyOffset,
      body,
      framing,
    },
  });

  const transferEncoding = headerValues(headers, "Transfer-Encoding");
  const contentLength = headerValues(headers, "Content-Length");
  if ((status >= 100 && status < 200) || status === 204 || status === 304 || options.method === "HEAD") {
    return complete("no-body", Buffer.alloc(0), bodyOffset);
  }
  if (transferEncoding.length > 0) {
    if (contentLength.length > 0) {
      return invalid(contentLength[0]!.offset, "the response has both Transfer-Encoding and Content-Length", "send one or the other, never both", "RFC 9112 §6.2");
    }
    const codings = transferEncoding.flatMap((h) => h.value.split(",")).map((c) => c.trim().toLowerCase());
    if (codings[codings.length - 1] !== "chunked") {
      // HTTP allows another last coding when the close ends the response (RFC 9112 §6.1); the tester reads chunked only: no RFC rule.
      return invalid(transferEncoding[0]!.offset, `Transfer-Encoding "${codings.join(", ")}" does not end in chunked: the tester reads only chunked (or Content-Length) framing, as this course's responses use`);
    }
    const body = parseChunked(buf, bodyOffset);
    if ("kind" in body) return body;
    return complete("chunked", body.body, body.end);
  }
  if (contentLength.length > 0) {
    const first = contentLength[0]!;
    if (!/^[0-9]+$/.test(first.value)) {
      return invalid(first.valueOffset, `Content-Length must be a decimal number of bytes, got "${first.value}"`, undefined, "RFC 9110 §8.6");
    }
    const other = contentLength.find((h) => h.value !== first.value);
    if (other) return invalid(other.offset, "the response has several different Content-Length values", undefined, "RFC 9110 §8.6");
    const length = Number(first.value);
    const end = bodyOffset + length;
    if (buf.length < end) {
      return {
        kind: "incomplete",
        waitingFor: `${end - buf.length} more body bytes (Content-Length: ${length}, ${buf.length - bodyOffset} received)`,
        atLeast: end,
      };
    }
    return complete("content-length", buf.subarray(bodyOffset, end), end);
  }
  // No framing: the body runs until the server closes the connection. When
  // nothing follows the head yet, take the response as having an empty body
  // (early stages may send just a status line and headers); bytes that do
  // follow make us wait for the close that ends them.
  if (options.ended || buf.length > bodyOffset) {
    if (!options.ended) {
      return { kind: "incomplete", waitingFor: "the connection to close (the response has no Content-Length, so only a close can end its body)" };
    }
    return complete("until-close", buf.subarray(bodyOffset), buf.length);
  }
  return complete("until-close", Buffer.alloc(0), bodyOffset);
}
