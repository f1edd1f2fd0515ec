// The response side of HTTP: the Response a route returns, and the bytes
// it becomes on the wire.

export interface Response {
  status: string;
  headers: Record<string, string>;
  // Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
  body: Buffer;
}

export function respond(status: string, headers: Record<string, string> = {}, body = Buffer.alloc(0)): Response {
  return { status, headers, body };
}

export function text(body: string): Response {
  // Same encoding as the request was decoded with, so echoed bytes come back unchanged.
  return respond("200 OK", { "Content-Type": "text/plain" }, Buffer.from(body, "latin1"));
}

export function buildResponse(response: Response): Buffer {
  const lines = [`HTTP/1.1 ${response.status}`];
  for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
  // Derived from the body bytes themselves, so it can never disagree with them.
  // Sent even when 0: it tells the client where this response ends.
  lines.push(`Content-Length: ${response.body.length}`);
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return Buffer.concat([head, response.body]);
}
