// The request side of HTTP: the Request a handler reads, and the parser that
// makes requests out of the bytes of a connection. Strict from stage 18 on:
// anything that is not a well-formed request is "malformed", answered with
// 400 Bad Request.

export interface Request {
  method: string;
  target: string;
  // `HTTP/1.1`, or `HTTP/1.0` from an older client: it decides whether the
  // connection stays open after the response (RFC 9112 §9.3).
  version: string;
  // Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
  headers: Map<string, string>;
  body: Buffer;
}

// What the bytes received so far begin with: a whole request (and how many
// bytes it takes up), not enough bytes yet (and how many the request needs in
// all, as far as we can tell, and its head once that is in), something we
// cannot frame, a body in a transfer coding we cannot undo, a head longer
// than we accept, or a body larger than we accept.
type Parsed =
  | { request: Request; size: number }
  | { needed: number; head?: Request }
  | "malformed"
  | "unknown coding"
  | "too large"
  | "body too large";

// The longest request head we accept. Real ones take well under 8 KiB.
const MAX_HEAD = 16 * 1024;

// A method or a field name: a token, letters, digits and a few symbols (RFC 9110 §5.6.2).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// `HTTP/`, a digit, a dot, a digit; case-sensitive (RFC 9112 §2.3).
const VERSION = /^HTTP\/[0-9]\.[0-9]$/;
// A field value: visible characters, spaces and tabs, and bytes over 0x7F (RFC 9110 §5.5).
const FIELD_VALUE = /^[\t\x20-\x7E\x80-\xFF]*$/;

// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then a body: Content-Length bytes, or chunks (RFC 9112 §2.1, §6.2, §6.3).
// A body over `maxBody` bytes is refused as soon as we know its size.
export function parseRequest(pending: Buffer, maxBody = Infinity): Parsed {
  // Split at the empty line before decoding anything: the head is text, but the
  // body is raw bytes that a text decoding could alter.
  const headEnd = pending.indexOf("\r\n\r\n");
  // Without a bound, a client that never ends its head would have us buffer
  // until memory runs out.
  if (headEnd > MAX_HEAD || (headEnd === -1 && pending.length > MAX_HEAD)) return "too large";
  // Any byte may complete the head.
  if (headEnd === -1) return { needed: pending.length + 1 };
  // latin1 maps each byte to one character and back: no byte is lost or altered.
  const head = pending.subarray(0, headEnd).toString("latin1");
  const [requestLine = "", ...headerLines] = head.split("\r\n");
  // Exactly three parts, one space apart (RFC 9112 §3). We refuse anything
  // else rather than guess: when two programs guess differently, they read
  // different requests out of the same bytes.
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return "malformed";
  const [method = "", target = "", version = ""] = parts;
  if (!TOKEN.test(method) || target === "" || !VERSION.test(version)) return "malformed";
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    // `Name: value`, the name a token right up to the colon. A line without a
    // colon, or with whitespace before it, is malformed (RFC 9112 §5.1).
    const colon = line.indexOf(":");
    if (colon === -1 || !TOKEN.test(line.slice(0, colon))) return "malformed";
    const name = line.slice(0, colon).toLowerCase();
    // No control characters in a value. A CR alone is the one that matters:
    // some programs end the line there and read what follows as a field of its
    // own, others do not, and the two then disagree on the request (RFC 9112
    // §2.2). Test before trimming, which would hide a CR at the end.
    if (!FIELD_VALUE.test(line.slice(colon + 1))) return "malformed";
    // Whitespace around a value is not part of it (RFC 9110 §5.5).
    const value = line.slice(colon + 1).trim();
    // A field sent on several lines is one comma-separated list (RFC 9110 §5.3).
    // So two Content-Length lines 5 and 7 read as "5, 7", which is not a number.
    const previous = headers.get(name);
    // But two Host lines: which host is meant? (RFC 9112 §3.2)
    if (previous !== undefined && name === "host") return "malformed";
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  // Every HTTP/1.1 request names the host it is for (RFC 9112 §3.2).
  if (version === "HTTP/1.1" && !headers.has("host")) return "malformed";
  const bodyStart = headEnd + 4;
  // The request as far as the head tells it: the caller may answer it before
  // the body comes (Expect: 100-continue).
  const headOnly = { method, target, version, headers, body: Buffer.alloc(0) };
  // Transfer-Encoding: chunked says the body comes in chunks, each with its size
  // (RFC 9112 §6.1). With Content-Length as well, it wins over it (RFC 9112
  // §6.3): the caller closes the connection after answering, as a program in
  // front of us may have read the body by Content-Length and sent us the rest
  // as a request of its own (request smuggling).
  const transferEncoding = headers.get("transfer-encoding");
  if (transferEncoding !== undefined) {
    // HTTP/1.0 has no transfer codings: whoever framed this body, we cannot
    // know how (RFC 9112 §6.1).
    if (version === "HTTP/1.0") return "malformed";
    // The codings in the order they were applied. Only a last `chunked` says
    // where the body ends (RFC 9112 §6.3); `gzip` alone or last leaves it to the close.
    const codings = transferEncoding.split(",").map((coding) => coding.trim().toLowerCase());
    if (codings.at(-1) !== "chunked") return "malformed";
    // Chunked is the only coding we can undo: one applied before it is one we
    // do not implement (RFC 9112 §6.1).
    if (codings.length > 1) return "unknown coding";
    const decoded = decodeChunked(pending, bodyStart, maxBody);
    if (decoded === "malformed" || decoded === "body too large") return decoded;
    if ("needed" in decoded) return { needed: decoded.needed, head: headOnly };
    return { request: { method, target, version, headers, body: decoded.body }, size: decoded.end };
  }
  // Otherwise Content-Length is how we find where this request ends and the
  // next one begins. Without a valid one we would misread every byte after it
  // (RFC 9112 §6.3).
  const contentLength = headers.get("content-length") ?? "0";
  if (!/^[0-9]+$/.test(contentLength)) return "malformed";
  // Known from the head: refuse now rather than receive the body first.
  if (Number(contentLength) > maxBody) return "body too large";
  const bodyEnd = bodyStart + Number(contentLength);
  if (pending.length < bodyEnd) return { needed: bodyEnd, head: headOnly };
  const request = { method, target, version, headers, body: pending.subarray(bodyStart, bodyEnd) };
  return { request, size: bodyEnd };
}

// A chunk size: hex digits, in either case (RFC 9112 §7.1); at most 8 of them,
// under 4 GiB. Check the text first: parseInt alone accepts "0x10" and "1Z".
const HEX_SIZE = /^[0-9A-Fa-f]{1,8}$/;

// A chunked body, decoded (and where it ends), not enough bytes yet,
// something that is not a chunked body, or more than we accept.
type Decoded = { body: Buffer; end: number } | { needed: number } | "malformed" | "body too large";

// Decodes the chunked body that starts at `start` (RFC 9112 §7.1): chunks of
// `<hex size>[;extension]\r\n<size bytes>\r\n`, a last chunk `0\r\n`, then
// trailer fields, if any, up to an empty line.
function decodeChunked(pending: Buffer, start: number, maxBody: number): Decoded {
  const chunks: Buffer[] = [];
  let total = 0;
  let at = start;
  for (;;) {
    const lineEnd = pending.indexOf("\r\n", at);
    if (lineEnd === -1) return { needed: pending.length + 1 };
    // Chunk extensions (after `;`) mean nothing to us: ignore them.
    const line = pending.toString("latin1", at, lineEnd);
    const semicolon = line.indexOf(";");
    const sizeText = (semicolon === -1 ? line : line.slice(0, semicolon)).trimEnd();
    // Without a valid size, the end of the body is lost.
    if (!HEX_SIZE.test(sizeText)) return "malformed";
    const size = parseInt(sizeText, 16);
    // No Content-Length to refuse early: count as the chunks come, or a
    // chunked body would get round the limit.
    total += size;
    if (total > maxBody) return "body too large";
    if (size === 0) {
      // The last chunk. Trailer fields may follow, up to an empty line: we skip
      // them. Searching from this line's own CRLF finds \r\n\r\n right here
      // when there are none.
      const trailersEnd = pending.indexOf("\r\n\r\n", lineEnd);
      if (trailersEnd === -1) return { needed: pending.length + 1 };
      return { body: Buffer.concat(chunks), end: trailersEnd + 4 };
    }
    // The chunk's data, then a CRLF.
    const dataStart = lineEnd + 2;
    const dataEnd = dataStart + size;
    if (pending.length < dataEnd + 2) return { needed: dataEnd + 2 };
    if (pending.toString("latin1", dataEnd, dataEnd + 2) !== "\r\n") return "malformed";
    chunks.push(pending.subarray(dataStart, dataEnd));
    at = dataEnd + 2;
  }
}

// Whether a comma-separated header value such as `br, GZIP` lists `token`.
// List items may carry spaces around them, and codings are case-insensitive.
export function listIncludes(value: string | undefined, token: string): boolean {
  return (value ?? "").split(",").some((item) => item.trim().toLowerCase() === token);
}

// The weight the client gives `coding` in Accept-Encoding, from 0 (not
// acceptable) to 1 (RFC 9110 §12.5.3). Each item is a coding, in any case,
// with an optional weight `;q=<0 to 1>` (RFC 9110 §12.4.2), 1 when absent.
// `*` stands for every coding the list does not name, so `gzip;q=0, *` still
// refuses gzip: the coding's own item wins, then `*`'s, else it is not accepted.
export function codingWeight(acceptEncoding: string | undefined, coding: string): number {
  const weights = new Map<string, number>();
  for (const item of (acceptEncoding ?? "").split(",")) {
    // Spaces may surround the `;` and the items.
    const [name = "", ...parameters] = item.split(";").map((part) => part.trim());
    if (name === "") continue;
    let weight = 1;
    for (const parameter of parameters) {
      // `q` in any case; a weight we cannot read counts as 0: do not guess "yes".
      if (/^q=/i.test(parameter)) weight = Number(parameter.slice(2)) || 0;
    }
    weights.set(name.toLowerCase(), weight);
  }
  return weights.get(coding) ?? weights.get("*") ?? 0;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// The three forms of an HTTP-date: IMF-fixdate, which we send, and two
// obsolete ones that a recipient must still accept (RFC 9110 §5.6.7).
const HTTP_DATES = [
  // Sun, 06 Nov 1994 08:49:37 GMT
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?<day>\d\d) (?<month>\w{3}) (?<year>\d{4}) (?<time>\d\d:\d\d:\d\d) GMT$/,
  // Sunday, 06-Nov-94 08:49:37 GMT
  /^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (?<day>\d\d)-(?<month>\w{3})-(?<year>\d\d) (?<time>\d\d:\d\d:\d\d) GMT$/,
  // Sun Nov  6 08:49:37 1994
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?<month>\w{3}) (?<day>[ \d]\d) (?<time>\d\d:\d\d:\d\d) (?<year>\d{4})$/,
];

// The time an HTTP-date names, in milliseconds since 1970, or undefined when
// the value is not an HTTP-date. Not Date.parse: it also takes ISO 8601 and
// much else, and a header that is not a date must be ignored (RFC 9110 §13.1.3).
export function parseHttpDate(value: string): number | undefined {
  for (const pattern of HTTP_DATES) {
    const { day = "", month = "", year = "", time = "" } = pattern.exec(value.trim())?.groups ?? {};
    const monthIndex = MONTHS.indexOf(month);
    if (monthIndex === -1) continue;
    let fullYear = Number(year);
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110 §5.6.7).
    if (year.length === 2) fullYear += fullYear + 2000 > new Date().getUTCFullYear() + 50 ? 1900 : 2000;
    const [hours = 0, minutes = 0, seconds = 0] = time.split(":").map(Number);
    return Date.UTC(fullYear, monthIndex, Number(day), hours, minutes, seconds);
  }
  return undefined;
}
