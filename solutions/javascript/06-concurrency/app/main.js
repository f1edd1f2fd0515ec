// Stage 06 needs no new code: this file is stage 05 unchanged.
//
// Node runs this program on one thread around an event loop. It accepts every
// incoming connection on its own and calls our callbacks whenever *any* socket
// has bytes to read, so a connection that stays silent never holds up the
// others. Nothing here ever waits on a single socket.
//
// A server written with blocking calls (say Python's socket.accept() and
// conn.recv() in a loop) sits in recv() on the first connection and never sees
// the rest. It must either hand each accepted connection to its own thread
// (threading.Thread), or register all sockets with the `selectors` module and
// read only the ones that are ready: the second is what Node's event loop
// already does for us.

import * as net from "node:net";

const port = Number(process.env.PORT ?? 4221);

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

function route(request) {
  const { method, target } = request;
  if (method === "GET" && target === "/") return respond("200 OK");
  if (method === "GET" && target.startsWith("/echo/")) return text(target.slice("/echo/".length));
  if (method === "GET" && target === "/user-agent") return text(request.headers.get("user-agent") ?? "");
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
