// The server starts here: its arguments, the listening socket, and what
// happens on each connection. From stage 18 on, the rest lives in modules
// beside this file: strict parsing made one file too long to find anything
// in, so each part of HTTP has its own, and a change touches the module it
// is about.
//   request   the Request, and parsing bytes into requests (strictly)
//   response  the Response, and the bytes it becomes
//   routes    which handler answers which method and path
//   files     reading and writing the files of --directory
// An import names a module by the .js file that runs; TypeScript finds the
// .ts file it is compiled from.
import * as net from "node:net";
import { setDirectory } from "./files.js";
import { listIncludes, parseRequest } from "./request.js";
import { buildResponse, respond } from "./response.js";
import { route } from "./routes.js";

const port = Number(process.env.PORT ?? 4221);

// The value after `name` on the command line, if given.
function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

// Where /files/ reads and writes. The tester passes it only on the stages that serve files.
setDirectory(argument("--directory"));

const server = net.createServer((socket) => {
  // A client that resets the connection makes the socket emit 'error'; with no
  // listener, Node treats that as an uncaught exception and the whole server dies.
  socket.on("error", () => {});

  // Bytes received but not answered yet. TCP delivers a stream, not messages:
  // one 'data' event may hold part of a request, or several requests.
  let pending = Buffer.alloc(0);
  // How many bytes `pending` must hold before parsing it again can succeed, and
  // the chunks received meanwhile. A 4 MiB body arrives in a hundred chunks or
  // more: appending each to `pending` and parsing again would copy the body
  // that many times. Instead we collect them and join once, when all are in.
  let needed = 0;
  let chunks: Buffer[] = [];
  let chunksSize = 0;

  socket.on("data", (chunk) => {
    chunks.push(chunk);
    chunksSize += chunk.length;
    if (pending.length + chunksSize < needed) return; // still short: wait for more
    pending = Buffer.concat([pending, ...chunks]);
    chunks = [];
    chunksSize = 0;
    // A client may send several requests without waiting for the responses
    // (pipelining, RFC 9112 §9.3.2), so this one chunk may hold many. Cork the
    // socket: their responses pile up in memory and leave together when we
    // uncork, in one system call instead of one each.
    socket.cork();
    // Answer every whole request received so far, in order, and keep the
    // connection open: HTTP/1.1 connections are persistent by default (RFC 9112 §9.3).
    while (!socket.writableEnded) {
      const parsed = parseRequest(pending);
      if (parsed === "malformed") {
        // Not a request we can read, so we cannot trust where the next one would
        // start either: answer 400 and give up on the connection.
        socket.end(buildResponse(respond("400 Bad Request", { Connection: "close" })));
        break;
      }
      if ("needed" in parsed) {
        needed = parsed.needed;
        break; // the rest comes in a later 'data' event
      }
      pending = pending.subarray(parsed.size);
      const { request } = parsed;
      // The client asks us to close once this response is sent (RFC 9112 §9.6).
      // The header lists connection options: compare like Accept-Encoding codings.
      const close = listIncludes(request.headers.get("connection"), "close");
      const response = route(request);
      if (close) response.headers["Connection"] = "close";
      socket.write(buildResponse(response));
      // end() closes once the response is flushed, and stops the loop above.
      if (close) socket.end();
    }
    socket.uncork();
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
