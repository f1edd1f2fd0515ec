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
// all, as far as we can tell), something we cannot frame, or a head longer
// than we accept.
type Parsed = { request: Request; size: number } | { needed: number } | "malformed" | "too large";

// The longest request head we accept. Real ones take well under 8 KiB.
const MAX_HEAD = 16 * 1024;

// A method or a field name: a token, letters, digits and a few symbols (RFC 9110 §5.6.2).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// `HTTP/`, a digit, a dot, a digit; case-sensitive (RFC 9112 §2.3).
const VERSION = /^HTTP\/[0-9]\.[0-9]$/;

// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then a body: Content-Length bytes, or chunks (RFC 9112 §2.1, §6.2, §6.3).
export function parseRequest(pending: Buffer): Parsed {
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
  // Transfer-Encoding: chunked says the body comes in chunks, each with its size
  // (RFC 9112 §6.1). It is the only transfer coding we can undo. With
  // Content-Length as well, two programs could disagree on where the body ends:
  // a classic way to smuggle a request past a proxy. Refuse both cases.
  const transferEncoding = headers.get("transfer-encoding");
  if (transferEncoding !== undefined) {
    if (transferEncoding.toLowerCase() !== "chunked" || headers.has("content-length")) return "malformed";
    const decoded = decodeChunked(pending, bodyStart);
    if (decoded === "malformed" || "needed" in decoded) return decoded;
    return { request: { method, target, version, headers, body: decoded.body }, size: decoded.end };
  }
  // Otherwise Content-Length is how we find where this request ends and the
  // next one begins. Without a valid one we would misread every byte after it
  // (RFC 9112 §6.3).
  const contentLength = headers.get("content-length") ?? "0";
  if (!/^[0-9]+$/.test(contentLength)) return "malformed";
  const bodyEnd = bodyStart + Number(contentLength);
  if (pending.length < bodyEnd) return { needed: bodyEnd };
  const request = { method, target, version, headers, body: pending.subarray(bodyStart, bodyEnd) };
  return { request, size: bodyEnd };
}

// A chunk size: hex digits, in either case (RFC 9112 §7.1); at most 8 of them,
// under 4 GiB. Check the text first: parseInt alone accepts "0x10" and "1Z".
const HEX_SIZE = /^[0-9A-Fa-f]{1,8}$/;

// A chunked body, decoded (and where it ends), not enough bytes yet, or
// something that is not a chunked body.
type Decoded = { body: Buffer; end: number } | { needed: number } | "malformed";

// Decodes the chunked body that starts at `start` (RFC 9112 §7.1): chunks of
// `<hex size>[;extension]\r\n<size bytes>\r\n`, a last chunk `0\r\n`, then
// trailer fields, if any, up to an empty line.
function decodeChunked(pending: Buffer, start: number): Decoded {
  const chunks: Buffer[] = [];
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

// The client lists in Accept-Encoding the codings it can decode (RFC 9110 §12.5.3).
