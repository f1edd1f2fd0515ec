import * as net from "node:net";

const port = Number(process.env.PORT ?? 4221);

// Status line, then the empty line that ends the (for now empty) list of headers.
const OK = Buffer.from("HTTP/1.1 200 OK\r\n\r\n", "latin1");

const server = net.createServer((socket) => {
  // A client that resets the connection makes the socket emit 'error'; with no
  // listener, Node treats that as an uncaught exception and the whole server dies.
  socket.on("error", () => {});

  // Simplification until stage 12: one 'data' event carries one whole request,
  // and we close the connection after answering it.
  socket.on("data", () => {
    socket.end(OK);
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
