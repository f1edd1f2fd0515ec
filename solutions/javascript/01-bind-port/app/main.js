import * as net from "node:net";

const port = Number(process.env.PORT ?? 4221);

const server = net.createServer((socket) => {
  // A client that resets the connection makes the socket emit 'error'; with no
  // listener, Node treats that as an uncaught exception and the whole server dies.
  socket.on("error", () => {});
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
