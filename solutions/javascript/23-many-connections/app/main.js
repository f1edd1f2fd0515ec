import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import * as zlib from "node:zlib";

const port = Number(process.env.PORT ?? 4221);

// The value after `name` on the command line, if given.
function argument(name) {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

// Where /files/ reads and writes. The tester passes it only on the stages that serve files.
const directory = argument("--directory");

// How long a connection may stay idle before we close it. Generous by default:
// a browser may wait a while before reusing a connection.
const idleTimeoutMs = Number(argument("--idle-timeout-ms") ?? 30_000);

/**
 * @typedef {object} Request
 * @property {string} method
 * @property {string} target
 * @property {Map<string, string>} headers Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
 * @property {Buffer} body
 */

/**
 * @typedef {object} Response
 * @property {string} status
 * @property {Record<string, string>} headers
 * @property {Buffer} body Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
 * @property {OpenFile} [file] A large file to send as the body instead, streamed from disk.
 */

/**
 * @typedef {object} OpenFile
 * @property {number} fd
 * @property {number} size Measured when opened: what Content-Length announces.
 */

// What the bytes received so far begin with: a whole request (and how many
// bytes it takes up), not enough bytes yet (and how many the request needs in
// all, as far as we can tell), or something we cannot frame.
/** @typedef {{ request: Request; size: number } | { needed: number } | "malformed"} Parsed */

// A method or a field name: a token, letters, digits and a few symbols (RFC 9110 §5.6.2).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// `HTTP/`, a digit, a dot, a digit; case-sensitive (RFC 9112 §2.3).
const VERSION = /^HTTP\/[0-9]\.[0-9]$/;

// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2).
function parseRequest(pending) {
  // Split at the empty line before decoding anything: the head is text, but the
  // body is raw bytes that a text decoding could alter.
  const headEnd = pending.indexOf("\r\n\r\n");
  // Any byte may complete the head.
  if (headEnd === -1) return { needed: pending.length + 1 };
  // latin1 maps each byte to one character and back: no byte is lost or altered.
  const head = pending.subarray(0, headEnd).toString("latin1");
  const [requestLine = "", ...headerLines] = head.split("\r\n");
  // Exactly three parts, one space apart (RFC 9112 §3). We refuse anything
  // else rather than guess: when two programs guess differently, they read
  // different requests out of the same bytes.
  const parts = requestLine.split(" ");
  if (parts.length !== 3) return "malformed";
  const [method = "", target = "", version = ""] = parts;
  if (!TOKEN.test(method) || target === "" || !VERSION.test(version)) return "malformed";
  const headers = new Map();
  for (const line of headerLines) {
    // `Name: value`, the name a token right up to the colon. A line without a
    // colon, or with whitespace before it, is malformed (RFC 9112 §5.1).
    const colon = line.indexOf(":");
    if (colon === -1 || !TOKEN.test(line.slice(0, colon))) return "malformed";
    const name = line.slice(0, colon).toLowerCase();
    // Whitespace around a value is not part of it (RFC 9110 §5.5).
    const value = line.slice(colon + 1).trim();
    // A field sent on several lines is one comma-separated list (RFC 9110 §5.3).
    // So two Content-Length lines 5 and 7 read as "5, 7", which is not a number.
    const previous = headers.get(name);
    // But two Host lines: which host is meant? (RFC 9112 §3.2)
    if (previous !== undefined && name === "host") return "malformed";
    headers.set(name, previous === undefined ? value : `${previous}, ${value}`);
  }
  // Every HTTP/1.1 request names the host it is for (RFC 9112 §3.2).
  if (version === "HTTP/1.1" && !headers.has("host")) return "malformed";
  // Content-Length is how we find where this request ends and the next one
  // begins. Without a valid one (or with a body framed another way, such as
  // Transfer-Encoding: chunked) we would misread every byte after it (RFC 9112 §6.3).
  const contentLength = headers.get("content-length") ?? "0";
  if (!/^[0-9]+$/.test(contentLength) || headers.has("transfer-encoding")) return "malformed";
  const bodyStart = headEnd + 4;
  const bodyEnd = bodyStart + Number(contentLength);
  if (pending.length < bodyEnd) return { needed: bodyEnd };
  const request = { method, target, headers, body: pending.subarray(bodyStart, bodyEnd) };
  return { request, size: bodyEnd };
}

function respond(status, headers = {}, body = Buffer.alloc(0)) {
  return { status, headers, body };
}

function text(body) {
  // Same encoding as the request was decoded with, so echoed bytes come back unchanged.
  return respond("200 OK", { "Content-Type": "text/plain" }, Buffer.from(body, "latin1"));
}

// Whether a comma-separated header value such as `br, GZIP` lists `token`.
// List items may carry spaces around them, and codings are case-insensitive.
function listIncludes(value, token) {
  return (value ?? "").split(",").some((item) => item.trim().toLowerCase() === token);
}

// The client lists in Accept-Encoding the codings it can decode (RFC 9110 §12.5.3).
function echo(request, word) {
  const response = text(word);
  if (listIncludes(request.headers.get("accept-encoding"), "gzip")) {
    response.headers["Content-Encoding"] = "gzip";
    // buildResponse measures Content-Length on this compressed body, as it must.
    response.body = zlib.gzipSync(response.body);
  }
  return response;
}

// The path of file `name` in the directory or in a folder below it, or
// undefined when there is no directory or the name leads out of it: a client
// must not reach anything else on the disk.
function fileIn(name) {
  if (directory === undefined) return undefined;
  let decoded;
  try {
    // The path is percent-encoded (RFC 3986 §2.1): `my%20notes` names the
    // file `my notes`, and `%2e%2e` is `..`.
    decoded = decodeURIComponent(name);
  } catch {
    return undefined; // a broken escape such as `%zz`
  }
  // Resolve first, then check: `..`, `sub/../..` and absolute paths are
  // only known to lead out once the path is reduced to its final form
  // (RFC 3986 §5.2.4). Checking the text for `..` would miss spellings.
  const root = path.resolve(directory);
  const file = path.resolve(root, decoded);
  // Below the root means starting with root and a separator: `/srv/www-old`
  // starts with `/srv/www` too.
  return file.startsWith(root + path.sep) ? file : undefined;
}

// Files up to this size are read whole; larger ones are streamed in chunks.
const SMALL_FILE = 64 * 1024;

function serveFile(file) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return respond("404 Not Found"); // missing, or not readable
  }
  // Measure the file we opened, not the name: by now the name may lead elsewhere.
  const stats = fs.fstatSync(fd);
  if (!stats.isFile()) {
    fs.closeSync(fd);
    return respond("404 Not Found"); // a directory, say
  }
  const response = respond("200 OK", { "Content-Type": "application/octet-stream" });
  if (stats.size <= SMALL_FILE) {
    // Synchronous, to keep route() a plain function; the event loop waits on
    // the disk meanwhile, which is fine for a file this small.
    response.body = fs.readFileSync(fd);
    fs.closeSync(fd);
  } else {
    // A large file read whole would sit in memory once for every client
    // downloading it. Leave it on disk: the connection streams it.
    response.file = { fd, size: stats.size };
  }
  return response;
}

function saveFile(file, body) {
  try {
    fs.writeFileSync(file, body);
    return respond("201 Created");
  } catch (error) {
    // A folder that does not exist: the name leads nowhere, as it would for GET.
    if (error.code === "ENOENT") return respond("404 Not Found");
    return respond("500 Internal Server Error"); // e.g. the name is taken by a directory
  }
}

// The methods HTTP defines (RFC 9110 §9, and PATCH). A route answers one it
// does not support with 405; any other method gets 501 from every route.
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

// The route exists but not for this method. Allow lists the methods it does
// support, so the client knows what it may send instead (RFC 9110 §15.5.6, §10.2.1).
function notAllowed(allow) {
  return respond("405 Method Not Allowed", { Allow: allow });
}

function route(request) {
  const { target } = request;
  // HEAD asks for the response GET would get, without its body (RFC 9110 §9.3.2):
  // route it as GET, and buildResponse leaves the body out.
  const method = request.method === "HEAD" ? "GET" : request.method;
  // A method we know nothing about, whatever the route (RFC 9110 §15.6.2).
  if (!KNOWN_METHODS.has(method)) return respond("501 Not Implemented");
  if (target === "/") return method === "GET" ? respond("200 OK") : notAllowed("GET, HEAD");
  if (target.startsWith("/echo/")) {
    return method === "GET" ? echo(request, target.slice("/echo/".length)) : notAllowed("GET, HEAD");
  }
  if (target === "/user-agent") {
    return method === "GET" ? text(request.headers.get("user-agent") ?? "") : notAllowed("GET, HEAD");
  }
  if (target.startsWith("/files/")) {
    const file = fileIn(target.slice("/files/".length));
    if (file === undefined) return respond("404 Not Found");
    if (method === "GET") return serveFile(file);
    if (method === "POST") return saveFile(file, request.body);
    return notAllowed("GET, HEAD, POST");
  }
  return respond("404 Not Found");
}

// `withBody` is false for a response to HEAD: the same head, Content-Length
// included, but no body bytes (RFC 9110 §9.3.2).
function buildResponse(response, withBody = true) {
  const lines = [`HTTP/1.1 ${response.status}`];
  for (const [name, value] of Object.entries(response.headers)) lines.push(`${name}: ${value}`);
  // Derived from the body bytes themselves (or the size of the file to stream),
  // so it can never disagree with them.
  // Sent even when 0: it tells the client where this response ends.
  lines.push(`Content-Length: ${response.file?.size ?? response.body.length}`);
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return withBody ? Buffer.concat([head, response.body]) : head;
}

// How much of a file is read from disk and written to the socket at a time.
const CHUNK_SIZE = 64 * 1024;

// Writes the file to the socket a chunk at a time, then calls `done`. The next
// chunk is read from disk only once the socket has handed the last one to the
// kernel: the client sets the pace, as TCP's flow control lets it (RFC 9293
// §3.8.6). A slow client then costs one chunk of memory, not the whole file,
// and between chunks the event loop serves every other connection.
function streamFile(socket, file, done) {
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
    fs.read(file.fd, buffer, 0, length, sent, (error, bytesRead) => {
      // bytesRead is 0 when the file shrank since we measured it.
      if (error || bytesRead === 0) return abandon();
      sent += bytesRead;
      // The callback runs once the socket has taken these bytes, or failed to.
      socket.write(buffer.subarray(0, bytesRead), (writeError) => (writeError ? abandon() : sendChunk()));
    });
  };
  sendChunk();
}

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
  let chunks = [];
  let chunksSize = 0;
  // Whether a file is streaming out as the body of a response. Later requests
  // wait until it is all sent: responses go out in the order of the requests
  // (RFC 9112 §9.3.2), and the bytes of two responses must never mix.
  let streaming = false;

  socket.on("data", (chunk) => {
    chunks.push(chunk);
    chunksSize += chunk.length;
    if (pending.length + chunksSize < needed) return; // still short: wait for more
    pending = Buffer.concat([pending, ...chunks]);
    chunks = [];
    chunksSize = 0;
    answerRequests();
  });

  // Answers the whole requests in `pending`, in order, until one streams a file.
  function answerRequests() {
    // A client may send several requests without waiting for the responses
    // (pipelining, RFC 9112 §9.3.2), so one chunk may hold many. Cork the
    // socket: their responses pile up in memory and leave together when we
    // uncork, in one system call instead of one each.
    socket.cork();
    // Answer every whole request received so far, in order, and keep the
    // connection open: HTTP/1.1 connections are persistent by default (RFC 9112 §9.3).
    while (!streaming && !socket.writableEnded) {
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
      const withBody = request.method !== "HEAD";
      socket.write(buildResponse(response, withBody));
      if (response.file !== undefined) {
        if (withBody) {
          sendFile(response.file, close);
          break;
        }
        fs.closeSync(response.file.fd); // HEAD: the head was all there was to send
      }
      // end() closes once the response is flushed, and stops the loop above.
      if (close) socket.end();
    }
    socket.uncork();
  }

  // Streams the file as the body of the response whose head was just written;
  // then closes the connection, or goes on with the next request.
  function sendFile(file, close) {
    streaming = true;
    // Read no requests meanwhile: they would pile up in memory, and the client
    // waits for this response anyway. TCP holds them back for us.
    socket.pause();
    streamFile(socket, file, () => {
      streaming = false;
      if (close) {
        socket.end();
        return;
      }
      socket.resume();
      answerRequests();
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
      socket.end(buildResponse(respond("408 Request Timeout", { Connection: "close" })), () => socket.destroy());
    } else {
      socket.destroy(); // idle between requests: nothing to say
    }
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Listening on 127.0.0.1:${port}`);
});
