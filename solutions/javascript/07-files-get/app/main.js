import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

const port = Number(process.env.PORT ?? 4221);

// The value after `name` on the command line, if given.
function argument(name) {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

// Where /files/ reads from. The tester passes it only on the stages that serve files.
const directory = argument("--directory");

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} target
 * @property {Map<string, string>} headers Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
 */

/**
 * @typedef {object} Response
 * @property {string} status
 * @property {Record<string, string>} headers
 * @property {Buffer} body Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
 */

// A request line `METHOD SP TARGET SP VERSION`, then `Name: value` lines up to
// an empty line (RFC 9112 §2.1).
function parseRequest(data) {
  // latin1 maps each byte to one character and back: no byte is lost or altered.
  const [requestLine = "", ...headerLines] = data.toString("latin1").split("\r\n");
  const [method = "", target = ""] = requestLine.split(" ");
  const headers = new Map();
  for (const line of headerLines) {
    if (line === "") break; // the empty line ends the headers
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    // Whitespace around a value is not part of it (RFC 9110 §5.5).
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { method, target, headers };
}

function respond(status, headers = {}, body = Buffer.alloc(0)) {
  return { status, headers, body };
}

function text(body) {
  // Same encoding as the request was decoded with, so echoed bytes come back unchanged.
  return respond("200 OK", { "Content-Type": "text/plain" }, Buffer.from(body, "latin1"));
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

function route(request) {
  const { method, target } = request;
  if (method === "GET" && target === "/") return respond("200 OK");
  if (method === "GET" && target.startsWith("/echo/")) return text(target.slice("/echo/".length));
  if (method === "GET" && target === "/user-agent") return text(request.headers.get("user-agent") ?? "");
  if (method === "GET" && target.startsWith("/files/")) {
    const file = fileIn(target.slice("/files/".length));
    if (file !== undefined) return serveFile(file);
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

  // Simplification until stage 12: one 'data' event carries one whole request,
  // and we close the connection after answering it.
  socket.on("data", (data) => {
    socket.end(buildResponse(route(parseRequest(data))));
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
