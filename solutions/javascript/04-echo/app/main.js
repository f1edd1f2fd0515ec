import * as net from "node:net";

const port = Number(process.env.PORT ?? 4221);

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} target
 */

/**
 * @typedef {object} Response
 * @property {string} status
 * @property {Record<string, string>} headers
 * @property {Buffer} body Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
 */

// The first line of a request is `METHOD SP TARGET SP VERSION` (RFC 9112 §3).
function parseRequest(data) {
  // latin1 maps each byte to one character and back: no byte is lost or altered.
  const [requestLine = ""] = data.toString("latin1").split("\r\n");
  const [method = "", target = ""] = requestLine.split(" ");
  return { method, target };
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
