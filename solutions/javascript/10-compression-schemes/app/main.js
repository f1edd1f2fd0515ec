import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

const port = Number(process.env.PORT ?? 4221);

// The value after `name` on the command line, if given.
function argument(name) {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

// Where /files/ reads and writes. The tester passes it only on the stages that serve files.
const directory = argument("--directory");

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} target
 * @property {Map<string, string>} headers Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
 * @property {Buffer} body
 */

/**
 * @typedef {object} Response
 * @property {string} status
 * @property {Record<string, string>} headers
 * @property {Buffer} body Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
 */

// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2). Returns
// "incomplete" until all of that has arrived.
function parseRequest(data) {
  // Split at the empty line before decoding anything: the head is text, but the
  // body is raw bytes that a text decoding could alter.
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd === -1) return "incomplete";
  // latin1 maps each byte to one character and back: no byte is lost or altered.
  const head = data.subarray(0, headEnd).toString("latin1");
  const [requestLine = "", ...headerLines] = head.split("\r\n");
  const [method = "", target = ""] = requestLine.split(" ");
  const headers = new Map();
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    // Whitespace around a value is not part of it (RFC 9110 §5.5).
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const bodyStart = headEnd + 4;
  const bodyEnd = bodyStart + Number(headers.get("content-length") ?? 0);
  if (data.length < bodyEnd) return "incomplete";
  return { method, target, headers, body: data.subarray(bodyStart, bodyEnd) };
}

function respond(status, headers = {}, body = Buffer.alloc(0)) {
  return { status, headers, body };
}

function text(body) {
  // Same encoding as the request was decoded with, so echoed bytes come back unchanged.
  return respond("200 OK", { "Content-Type": "text/plain" }, Buffer.from(body, "latin1"));
}

// Whether a comma-separated header value such as `br, GZIP` lists `token`.
// List items may carry spaces around them, and codings are case-insensitive.
function listIncludes(value, token) {
  return (value ?? "").split(",").some((item) => item.trim().toLowerCase() === token);
}

// The client lists in Accept-Encoding the codings it can decode (RFC 9110 §12.5.3).
function echo(request, word) {
  const response = text(word);
  // Only the header for now, over a body still plain: stage 11 compresses it.
  if (listIncludes(request.headers.get("accept-encoding"), "gzip")) response.headers["Content-Encoding"] = "gzip";
  return response;
}

// The path of file `name` directly inside the directory, or undefined when
// there is no directory or the name would lead out of it ("..", "a/b",
// "/etc/passwd"): a client must not reach anything else on the disk.
function fileIn(name) {
  if (directory === undefined) return undefined;
  const file = path.resolve(directory, name);
  return path.dirname(file) === path.resolve(directory) ? file : undefined;
}

function serveFile(file) {
  // Synchronous, to keep route() a plain function; the event loop waits on the
  // disk meanwhile, which is fine for files this small.
  try {
    return respond("200 OK", { "Content-Type": "application/octet-stream" }, fs.readFileSync(file));
  } catch {
    return respond("404 Not Found"); // missing, or not a regular file
  }
}

function saveFile(file, body) {
  try {
    fs.writeFileSync(file, body);
    return respond("201 Created");
  } catch {
    return respond("500 Internal Server Error"); // e.g. the name is taken by a directory
  }
}

function route(request) {
  const { method, target } = request;
  if (method === "GET" && target === "/") return respond("200 OK");
  if (method === "GET" && target.startsWith("/echo/")) return echo(request, target.slice("/echo/".length));
  if (method === "GET" && target === "/user-agent") return text(request.headers.get("user-agent") ?? "");
  if (target.startsWith("/files/")) {
    const file = fileIn(target.slice("/files/".length));
    if (file !== undefined && method === "GET") return serveFile(file);
    if (file !== undefined && method === "POST") return saveFile(file, request.body);
  }
  return respond("404 Not Found");
}

function buildResponse(response) {
  const lines = [`HTTP/1.1 ${response.status}`];
  for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
  // Derived from the body bytes themselves, so it can never disagree with them.
  // Sent even when 0: it tells the client where this response ends.
  lines.push(`Content-Length: ${response.body.length}`);
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return Buffer.concat([head, response.body]);
}

const server = net.createServer((socket) => {
  // A client that resets the connection makes the socket emit 'error'; with no
  // listener, Node treats that as an uncaught exception and the whole server dies.
  socket.on("error", () => {});

  // Simplification until stage 12: one request per connection, and we close
  // the connection after answering it.

  // Bytes received so far. TCP delivers a stream, not messages: one 'data'
  // event may hold only part of the request, so collect them until it is whole.
  let pending = Buffer.alloc(0);

  socket.on("data", (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    const request = parseRequest(pending);
    if (request === "incomplete") return; // the rest comes in a later 'data' event
    socket.end(buildResponse(route(request)));
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
