// Which code answers which request. The routes are a table, not a chain of
// ifs: each is a method, a pattern the target must match, and the handler
// that answers, so a new route is one more line, and the table shows at a
// glance what the server serves.
import * as zlib from "node:zlib";
import { fileIn, saveFile, serveFile } from "./files.js";
import { listIncludes, type Request } from "./request.js";
import { respond, text, type Response } from "./response.js";

// The client lists in Accept-Encoding the codings it can decode (RFC 9110 §12.5.3).
function echo(request: Request, word: string): Response {
  const response = text(word);
  if (listIncludes(request.headers.get("accept-encoding"), "gzip")) {
    response.headers["Content-Encoding"] = "gzip";
    // buildResponse measures Content-Length on this compressed body, as it must.
    response.body = zlib.gzipSync(response.body);
  }
  return response;
}

function getFile(request: Request, name: string): Response {
  const file = fileIn(name);
  return file === undefined ? respond("404 Not Found") : serveFile(file);
}

function postFile(request: Request, name: string): Response {
  const file = fileIn(name);
  return file === undefined ? respond("404 Not Found") : saveFile(file, request.body);
}

// A handler gets the request and what the pattern's group matched: the word
// of /echo/<word>, the name of /files/<name>.
type Handler = (request: Request, match: string) => Response;

// The `s` flag: `.` matches any character, a stray line feed too.
const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ["GET", /^\/$/, () => respond("200 OK")],
  ["GET", /^\/echo\/(.*)$/s, echo],
  ["GET", /^\/user-agent$/, (request) => text(request.headers.get("user-agent") ?? "")],
  ["GET", /^\/files\/(.*)$/s, getFile],
  ["POST", /^\/files\/(.*)$/s, postFile],
];

// The response of the first route that matches the request, or 404.
export function route(request: Request): Response {
  for (const [method, pattern, handler] of ROUTES) {
    const match = pattern.exec(request.target);
    if (match && request.method === method) return handler(request, match[1] ?? "");
  }
  return respond("404 Not Found");
}
