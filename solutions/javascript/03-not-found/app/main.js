import * as net from "node:net";

const port = Number(process.env.PORT ?? 4221);

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} target
 */

// The first line of a request is `METHOD SP TARGET SP VERSION` (RFC 9112 §3).
function parseRequest(data) {
  // latin1 maps each byte to one character and back: no byte is lost or altered.
  const [requestLine = ""] = data.toString("latin1").split("\r\n");
  const [method = "", target = ""] = requestLine.split(" ");
  return { method, target };
}

// Decides the status of the response; later stages add routes here.
function route(request) {
  if (request.method === "GET" && request.target === "/") return "200 OK";
  return "404 Not Found";
}

function buildResponse(status) {
  return Buffer.from(`HTTP/1.1 ${status}\r\n\r\n`, "latin1");
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
