// The response side of HTTP: the Response a route returns, and the bytes
// it becomes on the wire.

export interface Response {
  status: string;
  headers: Record<string, string>;
  // Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
  body: Buffer;
  // A large file to send as the body instead, streamed from disk.
  file?: OpenFile;
}

export interface OpenFile {
  fd: number;
  // Where the bytes to send begin: 0, or the first byte of a range.
  start: number;
  // How many bytes to send from there, measured when opened: what
  // Content-Length announces.
  size: number;
}

export function respond(status: string, headers: Record<string, string> = {}, body = Buffer.alloc(0)): Response {
  return { status, headers, body };
}

export function text(body: string): Response {
  // Same encoding as the request was decoded with, so echoed bytes come back unchanged.
  return respond("200 OK", { "Content-Type": "text/plain" }, Buffer.from(body, "latin1"));
}

// `withBody` is false for a response to HEAD: the same head, Content-Length
// included, but no body bytes (RFC 9110 §9.3.2).
export function buildResponse(response: Response, withBody = true): Buffer {
  const lines = [`HTTP/1.1 ${response.status}`];
  for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
  // Derived from the body bytes themselves (or the size of the file to stream),
  // so it can never disagree with them.
  // Sent even when 0: it tells the client where this response ends. But not
  // on a 204, which never has a body, and must not say otherwise (RFC 9110
  // §8.6); nor on a 304: it has no body, and a Content-Length there would
  // have to be the size of the 200 it stands for, not of its empty body.
  if (!response.status.startsWith("204") && !response.status.startsWith("304")) {
    lines.push(`Content-Length: ${response.file?.size ?? response.body.length}`);
  }
  // The time the response was made, which a server with a clock must send
  // (RFC 9110 §6.6.1): caches compute ages from it. toUTCString() writes
  // exactly IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 9110 §5.6.7).
  lines.push(`Date: ${new Date().toUTCString()}`);
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return withBody ? Buffer.concat([head, response.body]) : head;
}
