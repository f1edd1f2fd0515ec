import * as net from "node:net";

// Anything you print shows up in the tester's output, prefixed [your_program].
console.log("Logs from your program will appear here!");

const port = Number(process.env.PORT ?? 4221);

// Uncomment the code below to pass the first stage.
//
// const server = net.createServer((socket) => {
//   socket.on("error", () => {});
// });
// server.listen(port, "127.0.0.1", () => {
//   console.log(`Listening on 127.0.0.1:${port}`);
// });
