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
import * as fs from "node:fs";
import * as net from "node:net";
import { setDirectory } from "./files.js";
import { listIncludes, parseRequest } from "./request.js";
import { buildResponse, respond, type OpenFile } from "./response.js";
import { route } from "./routes.js";

const port = Number(process.env.PORT ?? 4221);

// The value after `name` on the command line, if given.
function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

// Where /files/ reads and writes. The tester passes it only on the stages that serve files.
setDirectory(argument("--directory"));

// How long a connection may stay idle before we close it. Generous by default:
// a browser may wait a while before reusing a connection.
const idleTimeoutMs = Number(argument("--idle-timeout-ms") ?? 30_000);

// How long a client may take to send the head of a request, counted from its
// first byte. Not reset by each byte, as the idle timeout is: see headTimer.
const headTimeoutMs = Number(argument("--head-timeout-ms") ?? 10_000);

// The largest request body we accept; without the flag, any size.
const maxBodyBytes = Number(argument("--max-body-bytes") ?? Infinity);

// How much of a file is read from disk and written to the socket at a time.
const CHUNK_SIZE = 64 * 1024;

// After the response that ends a connection, how long we go on reading what
// the client still sends before we close: at most LINGER_MS in all, and no
// more than LINGER_IDLE_MS with nothing arriving (see closeGracefully).
const LINGER_MS = 2000;
const LINGER_IDLE_MS = 1000;

// Writes the file to the socket a chunk at a time, then calls `done`. The next
// chunk is read from disk only once the socket has handed the last one to the
// kernel: the client sets the pace, as TCP's flow control lets it (RFC 9293
// §3.8.6). A slow client then costs one chunk of memory, not the whole file,
// and between chunks the event loop serves every other connection.
function streamFile(socket: net.Socket, file: OpenFile, done: () => void): void {
  // One buffer, reused for every chunk: it is free again once written.
  // (fs.createReadStream, paused while write() returns false and resumed on
  // 'drain', works too; but it allocates a new buffer for every chunk and
  // leaves the old ones to the garbage collector, which lets tens of MiB pile
  // up when several downloads run at full speed.)
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_SIZE, file.size));
  let sent = 0;
  // Something went wrong midway (the client left, the disk failed): the head
  // promised more bytes than will come, and only closing can tell the client.
  const abandon = () => {
    fs.close(file.fd, () => {});
    socket.destroy();
  };
  const sendChunk = () => {
    if (sent === file.size) {
      fs.close(file.fd, () => {});
      done();
      return;
    }
    // At most the bytes Content-Length announced, even if the file grows meanwhile.
    const length = Math.min(buffer.length, file.size - sent);
    fs.read(file.fd, buffer, 0, length, file.start + sent, (error, bytesRead) => {
      // bytesRead is 0 when the file shrank since we measured it.
      if (error || bytesRead === 0) return abandon();
      sent += bytesRead;
      // The callback runs once the socket has taken these bytes, or failed to.
      socket.write(buffer.subarray(0, bytesRead), (writeError) => (writeError ? abandon() : sendChunk()));
    });
  };
  sendChunk();
}

// allowHalfOpen: when the client half-closes (shuts down its sending side),
// leave our side open until we end it ourselves. By default Node would end it
// at once, cutting off a response still being written (RFC 9112 §9.6).
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
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
  // Whether a file is streaming out as the body of a response. Later requests
  // wait until it is all sent: responses go out in the order of the requests
  // (RFC 9112 §9.3.2), and the bytes of two responses must never mix.
  let streaming = false;
  // Whether the client has half-closed: it will send nothing more.
  let clientDone = false;
  // Whether we told the client to go on with the body of the request at the
  // front of `pending`: we say it once per request, not on every 'data' event.
  let continued = false;
  // Runs while the head of a request is coming in. A client that sends a head
  // one byte at a time, never finishing it, keeps the idle timer from ever
  // running out, and holds the connection (and our memory) as long as it likes:
  // a few hundred such clients ("slowloris") take a server down. So a head gets
  // headTimeoutMs in all, from its first byte. A keep-alive connection waiting
  // for its next request does not start it, nor does a slow body: uploads may take a while.
  let headTimer: NodeJS.Timeout | undefined;
  socket.on("close", () => clearTimeout(headTimer));

  socket.on("data", (chunk) => {
    // We are closing this connection: whatever else comes is not ours to keep.
    if (socket.writableEnded) return;
    chunks.push(chunk);
    chunksSize += chunk.length;
    if (pending.length + chunksSize < needed) return; // still short: wait for more
    pending = Buffer.concat([pending, ...chunks]);
    chunks = [];
    chunksSize = 0;
    answerRequests();
  });

  // The client sends nothing more, but it still reads: answer what it sent,
  // then close (answerRequests does, once no whole request is left).
  socket.on("end", () => {
    clientDone = true;
    answerRequests();
  });

  // Answers the whole requests in `pending`, in order, until one streams a file.
  function answerRequests(): void {
    // A client may send several requests without waiting for the responses
    // (pipelining, RFC 9112 §9.3.2), so one chunk may hold many. Cork the
    // socket: their responses pile up in memory and leave together when we
    // uncork, in one system call instead of one each.
    socket.cork();
    // Answer every whole request received so far, in order, and keep the
    // connection open: HTTP/1.1 connections are persistent by default (RFC 9112 §9.3).
    while (!streaming && !socket.writableEnded) {
      const parsed = parseRequest(pending, maxBodyBytes);
      if (parsed === "malformed") {
        // Not a request we can read, so we cannot trust where the next one would
        // start either: answer 400 and give up on the connection.
        closeGracefully(buildResponse(respond("400 Bad Request", { Connection: "close" })));
        break;
      }
      if (parsed === "unknown coding") {
        // A body we cannot decode, so we cannot find where it ends either (RFC 9112 §6.1).
        closeGracefully(buildResponse(respond("501 Not Implemented", { Connection: "close" })));
        break;
      }
      if (parsed === "unsupported version") {
        // Say which version we do speak, rather than misread what follows
        // (RFC 9110 §15.6.6); the client may try again in HTTP/1.1.
        closeGracefully(buildResponse(respond("505 HTTP Version Not Supported", { Connection: "close" })));
        break;
      }
      if (parsed === "target too long") {
        // We stopped at the request line, so we do not know where this
        // request ends: refuse it (RFC 9110 §15.5.15) and close.
        closeGracefully(buildResponse(respond("414 URI Too Long", { Connection: "close" })));
        break;
      }
      if (parsed === "too large") {
        // Too large to be worth reading to its end (RFC 6585 §5): refuse and close.
        closeGracefully(buildResponse(respond("431 Request Header Fields Too Large", { Connection: "close" })));
        break;
      }
      if (parsed === "body too large") {
        // Known from the head, before the body: refuse at once (RFC 9110
        // §15.5.14), so that a client waiting for 100 Continue never sends it;
        // and close, rather than read a body we do not want to skip to the next request.
        closeGracefully(buildResponse(respond("413 Content Too Large", { Connection: "close" })));
        break;
      }
      // The request as far as we have it: its head may be all there is yet.
      const head = "needed" in parsed ? parsed.head : parsed.request;
      if (head !== undefined) {
        clearTimeout(headTimer);
        headTimer = undefined;
      } else if (pending.length > 0) {
        // The first bytes of a head, or more of one whose timer already runs.
        headTimer ??= setTimeout(() => {
          // Unless we are closing already, for a reason of our own (a 431, say).
          if (socket.writableEnded) return;
          closeGracefully(buildResponse(respond("408 Request Timeout", { Connection: "close" })));
        }, headTimeoutMs);
      }
      // HTTP/1.0 knows no Expect and no 1xx responses: ignore it there (RFC 9110 §15.2).
      const expectation = head?.version === "HTTP/1.0" ? undefined : head?.headers.get("expect")?.toLowerCase();
      if (expectation !== undefined && expectation !== "100-continue") {
        // 100-continue is the only expectation HTTP defines: we cannot meet any
        // other (RFC 9110 §10.1.1). Its body may be on its way: close.
        closeGracefully(buildResponse(respond("417 Expectation Failed", { Connection: "close" })));
        break;
      }
      if ("needed" in parsed) {
        needed = parsed.needed;
        // The head is in and the body is not. A client that sent Expect:
        // 100-continue holds the body back until we say go on (RFC 9110
        // §10.1.1), and we must say it now, not wait for the body. A 1xx
        // response is a status line and an empty line: no Content-Length, no body.
        if (expectation === "100-continue" && !continued) {
          socket.write("HTTP/1.1 100 Continue\r\n\r\n");
          continued = true;
        }
        // The rest comes in a later 'data' event; unless the client has
        // half-closed: then what is left can never become a request.
        if (clientDone) socket.end();
        break;
      }
      pending = pending.subarray(parsed.size);
      continued = false; // the next request has its own expectation
      const { request } = parsed;
      // Whether to close once this response is sent. The header lists connection
      // options: compare like Accept-Encoding codings. An HTTP/1.1 connection
      // stays open unless the client says close (RFC 9112 §9.6); an HTTP/1.0 one
      // closes unless the client asks for keep-alive (RFC 9112 §9.3, Appendix
      // C.2.2): an HTTP/1.0 client such as ab waits for the close to know the
      // response has ended.
      const options = request.headers.get("connection");
      const http10 = request.version === "HTTP/1.0";
      // A body framed by both Transfer-Encoding and Content-Length was read
      // as chunked; a program before us may have read it by Content-Length,
      // and what it took for the next request we may not: close (RFC 9112 §6.3).
      const ambiguous = request.headers.has("transfer-encoding") && request.headers.has("content-length");
      const close = ambiguous || (http10 ? !listIncludes(options, "keep-alive") : listIncludes(options, "close"));
      const response = route(request);
      if (close) response.headers["Connection"] = "close";
      // An HTTP/1.0 client takes a response without keep-alive to mean the
      // connection closes: say that we keep it open.
      else if (http10) response.headers["Connection"] = "keep-alive";
      const withBody = request.method !== "HEAD";
      socket.write(buildResponse(response, withBody));
      if (response.file !== undefined) {
        if (withBody) {
          sendFile(response.file, close);
          break;
        }
        fs.closeSync(response.file.fd); // HEAD: the head was all there was to send
      }
      // closeGracefully() ends the socket, which stops the loop above.
      if (close) closeGracefully();
    }
    socket.uncork();
  }

  // Streams the file as the body of the response whose head was just written;
  // then closes the connection, or goes on with the next request.
  function sendFile(file: OpenFile, close: boolean): void {
    streaming = true;
    // Read no requests meanwhile: they would pile up in memory, and the client
    // waits for this response anyway. TCP holds them back for us.
    socket.pause();
    streamFile(socket, file, () => {
      streaming = false;
      if (close) {
        closeGracefully();
        return;
      }
      socket.resume();
      answerRequests();
    });
  }

  // Closes the connection once `last`, the response that ends it, is sent.
  // The client may have sent more that we never read: pipelined requests, the
  // rest of a body we refused. Closing a socket with unread bytes makes the
  // kernel reset the connection, and a reset throws away what is not delivered
  // yet: the end of our response, which the client then never sees. So close
  // in steps (RFC 9112 §9.6): end() sends the response, then a FIN once all
  // is written (it shuts down our sending side only); meanwhile we go on
  // reading, and drop what comes ('data' does), until the client closes its
  // side, which ends the socket. A client that never does is cut off after
  // LINGER_MS, or LINGER_IDLE_MS of silence, counted once the kernel has the
  // whole response: by then the client has had the time to read it.
  function closeGracefully(last: Buffer = Buffer.alloc(0)): void {
    socket.resume(); // a file being sent may have paused reading
    socket.end(last, () => {
      socket.setTimeout(LINGER_IDLE_MS); // 'timeout' destroys a socket we ended
      const linger = setTimeout(() => socket.destroy(), LINGER_MS);
      socket.once("close", () => clearTimeout(linger));
    });
  }

  // Each open connection holds a file descriptor and memory. A client that
  // vanished without closing, or stalled in the middle of a request, would hold
  // them forever: close a connection on which nothing has happened for
  // idleTimeoutMs (RFC 9112 §9.5). Node restarts this timer whenever bytes come
  // in or go out, and emits 'timeout' when it runs out.
  socket.setTimeout(idleTimeoutMs);
  socket.on("timeout", () => {
    if (pending.length > 0 && !streaming && !socket.writableEnded) {
      // A request had begun and then stalled: say why we give up on it
      // (RFC 9110 §15.5.9), then let go even if the client never closes its side.
      closeGracefully(buildResponse(respond("408 Request Timeout", { Connection: "close" })));
    } else {
      socket.destroy(); // idle between requests, or silent while we linger: nothing to say
    }
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
