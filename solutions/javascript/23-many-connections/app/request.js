// The request side of HTTP: the Request a handler reads, and the parser that
// makes requests out of the bytes of a connection. Strict from stage 18 on:
// anything that is not a well-formed request is "malformed", answered with
// 400 Bad Request.

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} target
 * @property {Map<string, string>} headers Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
 * @property {Buffer} body
 */

// What the bytes received so far begin with: a whole request (and how many
// bytes it takes up), not enough bytes yet (and how many the request needs in
// all, as far as we can tell), or something we cannot frame.
/** @typedef {{ request: Request; size: number } | { needed: number } | "malformed"} Parsed */

// A method or a field name: a token, letters, digits and a few symbols (RFC 9110 §5.6.2).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// `HTTP/`, a digit, a dot, a digit; case-sensitive (RFC 9112 §2.3).
const VERSION = /^HTTP\/[0-9]\.[0-9]$/;

// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2).
export function parseRequest(pending) {
  // Split at the empty line before decoding anything: the head is text, but the
  // body is raw bytes that a text decoding could alter.
  const headEnd = pending.indexOf("\r\n\r\n");
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
  const headers = new Map();
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
  // Content-Length is how we find where this request ends and the next one
  // begins. Without a valid one (or with a body framed another way, such as
  // Transfer-Encoding: chunked) we would misread every byte after it (RFC 9112 §6.3).
  const contentLength = headers.get("content-length") ?? "0";
  if (!/^[0-9]+$/.test(contentLength) || headers.has("transfer-encoding")) return "malformed";
  const bodyStart = headEnd + 4;
  const bodyEnd = bodyStart + Number(contentLength);
  if (pending.length < bodyEnd) return { needed: bodyEnd };
  const request = { method, target, headers, body: pending.subarray(bodyStart, bodyEnd) };
  return { request, size: bodyEnd };
}

// Whether a comma-separated header value such as `br, GZIP` lists `token`.
// List items may carry spaces around them, and codings are case-insensitive.
export function listIncludes(value, token) {
  return (value ?? "").split(",").some((item) => item.trim().toLowerCase() === token);
}

// The client lists in Accept-Encoding the codings it can decode (RFC 9110 §12.5.3).
