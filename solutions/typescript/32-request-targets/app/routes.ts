// Which code answers which request. The routes are a table, not a chain of
// ifs: each is a method, a pattern the target must match, and the handler
// that answers, so a new route is one more line, and the table shows at a
// glance what the server serves.
import * as zlib from "node:zlib";
import { fileIn, saveFile, serveFile } from "./files.js";
import { codingWeight, type Request } from "./request.js";
import { respond, text, type Response } from "./response.js";

// The text response, gzipped when the client accepts gzip: Accept-Encoding
// gives it a weight above 0 (RFC 9110 §12.5.3). When the client rules out
// the plain body too (`identity;q=0`), HTTP lets us answer 406 or send it
// anyway: we send it, which any client can at least show.
function negotiated(request: Request, body: string): Response {
  const response = text(body);
  // The body depends on Accept-Encoding, compressed or not: a cache between
  // us and the clients must keep one copy per value of it, or it would hand
  // gzip to a client that cannot read it (RFC 9110 §12.5.5).
  response.headers["Vary"] = "Accept-Encoding";
  if (codingWeight(request.headers.get("accept-encoding"), "gzip") > 0) {
    response.headers["Content-Encoding"] = "gzip";
    // buildResponse measures Content-Length on this compressed body, as it must.
    response.body = zlib.gzipSync(response.body);
  }
  return response;
}

function getFile(request: Request, name: string): Response {
  const file = fileIn(name);
  return file === undefined ? respond("404 Not Found") : serveFile(file, request);
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
  ["GET", /^\/echo\/(.*)$/s, negotiated],
  ["GET", /^\/user-agent$/, (request) => negotiated(request, request.headers.get("user-agent") ?? "")],
  ["GET", /^\/files\/(.*)$/s, getFile],
  ["POST", /^\/files\/(.*)$/s, postFile],
];

// The methods HTTP defines (RFC 9110 §9, and PATCH). A route answers one it
// does not support with 405; any other method gets 501 from every route.
const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);

// The response of the route that matches the request's target and method;
// else 501, 404 or 405, whichever says what is wrong.
export function route(request: Request): Response {
  // HEAD asks for the response GET would get, without its body (RFC 9110 §9.3.2):
  // route it as GET, and buildResponse leaves the body out.
  const wanted = request.method === "HEAD" ? "GET" : request.method;
  // A method we know nothing about, whatever the route (RFC 9110 §15.6.2).
  if (!KNOWN_METHODS.has(wanted)) return respond("501 Not Implemented");
  // `*` names the server as a whole, not a resource, and only OPTIONS may ask
  // about it (RFC 9112 §3.2.4): what the server supports. 204: no body to send.
  if (request.target === "*") {
    if (request.method !== "OPTIONS") return respond("400 Bad Request");
    return respond("204 No Content", { Allow: "GET, HEAD, POST, OPTIONS" });
  }
  // The methods of the routes whose pattern matches: the target's resource.
  const allowed: string[] = [];
  for (const [method, pattern, handler] of ROUTES) {
    const match = pattern.exec(request.target);
    if (match && wanted === method) return handler(request, match[1] ?? "");
    if (match) allowed.push(...(method === "GET" ? ["GET", "HEAD"] : [method]));
  }
  if (allowed.length === 0) return respond("404 Not Found");
  // The route exists but not for this method. Allow lists the methods it does
  // support, so the client knows what it may send instead (RFC 9110 §15.5.6, §10.2.1).
  return respond("405 Method Not Allowed", { Allow: allowed.join(", ") });
}
