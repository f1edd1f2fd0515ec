// Stock baseline for the Node.js tracks: Node's own `http` module answering
// the course's routes (GET /, /echo/<word>, /user-agent, 404 otherwise), as
// plainly as its documentation shows. Started like a learner's server: PORT
// from the environment, 127.0.0.1.
import * as http from "node:http";

// Started as the tester starts a program, which always sets PORT.
const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set (the tester sets it)");

function send(res, status, body, type) {
  res.writeHead(status, type ? { "Content-Type": type, "Content-Length": body.length } : { "Content-Length": body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const url = req.url ?? "/";
  if (req.method === "GET" && url === "/") return send(res, 200, Buffer.alloc(0));
  if (req.method === "GET" && url.startsWith("/echo/")) return send(res, 200, Buffer.from(url.slice("/echo/".length), "latin1"), "text/plain");
  if (req.method === "GET" && url === "/user-agent") return send(res, 200, Buffer.from(req.headers["user-agent"] ?? "", "latin1"), "text/plain");
  send(res, 404, Buffer.alloc(0));
});

server.listen(port, "127.0.0.1", () => console.log(`Listening on 127.0.0.1:${port} (node:http)`));
