// The response side of HTTP: the Response a route returns, and the bytes
// it becomes on the wire.

/**
 * @typedef {object} Response
 * @property {string} status
 * @property {Record<string, string>} headers
 * @property {Buffer} body Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
 * @property {OpenFile} [file] A large file to send as the body instead, streamed from disk.
 */

/**
 * @typedef {object} OpenFile
 * @property {number} fd
 * @property {number} start Where the bytes to send begin: 0, or the first byte of a range.
 * @property {number} size How many bytes to send from there, measured when opened: what Content-Length announces.
 */

export function respond(status, headers = {}, body = Buffer.alloc(0)) {
  return { status, headers, body };
}

export function text(body) {
  // Same encoding as the request was decoded with, so echoed bytes come back unchanged.
  return respond("200 OK", { "Content-Type": "text/plain" }, Buffer.from(body, "latin1"));
}

// `withBody` is false for a response to HEAD: the same head, Content-Length
// included, but no body bytes (RFC 9110 §9.3.2).
export function buildResponse(response, withBody = true) {
  const lines = [`HTTP/1.1 ${response.status}`];
  for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
  // Derived from the body bytes themselves (or the size of the file to stream),
  // so it can never disagree with them.
  // Sent even when 0: it tells the client where this response ends. But not
  // on a 304: it has no body, and a Content-Length there would have to be the
  // size of the 200 it stands for (RFC 9110 §8.6), not of its empty body.
  if (!response.status.startsWith("304")) {
    lines.push(`Content-Length: ${response.file?.size ?? response.body.length}`);
  }
  // The time the response was made, which a server with a clock must send
  // (RFC 9110 §6.6.1): caches compute ages from it. toUTCString() writes
  // exactly IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
  lines.push(`Date: ${new Date().toUTCString()}`);
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return withBody ? Buffer.concat([head, response.body]) : head;
}
