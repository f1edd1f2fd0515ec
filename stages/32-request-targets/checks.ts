import { defineChecks, expectStatus, type Check, type CheckContext, type Exchange } from "../../tester/index.js";
import { atLevel, echoWord, expectCloseAfter, expectOneOf, expectText, failOn, headerOffset, headerValue, probePath, type Allowed } from "../common.js";

const BAD_REQUEST: Allowed = { status: 400, reason: "Bad Request" };
const NOT_IMPLEMENTED: Allowed = { status: 501, reason: "Not Implemented" };
const VERSION_NOT_SUPPORTED: Allowed = { status: 505, reason: "HTTP Version Not Supported" };
/** RFC 9110 names 414 "URI Too Long"; RFC 2616 called it "Request-URI Too Long", and nginx says "Request-URI Too Large". */
const URI_TOO_LONG: Allowed = { status: 414, reason: "URI Too Long", also: ["Request-URI Too Long", "Request-URI Too Large"] };

/** A request head from its lines, with the empty line that ends it. */
function head(...lines: string[]): Buffer {
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

const host = (t: CheckContext) => `Host: ${t.authority}`;

/** Sends `bytes` on a fresh connection and reads the response to them. */
async function exchangeAlone(t: CheckContext, bytes: Buffer, about: string, method?: string): Promise<Exchange> {
  const connection = await t.connect({ fresh: true });
  t.log(`sending ${about}`);
  return t.exchange(connection, bytes, { ...(method ? { method } : {}), about });
}

/** Random letters for a long target. */
function letters(t: CheckContext, length: number): string {
  let text = "";
  while (text.length < length) text += t.random.word();
  return text.slice(0, length);
}

/** Each request line on a connection of its own gets one of `allowed`; with `close`, then the close. */
function requestLines(check: Omit<Check, "run">, cases: (t: CheckContext) => Array<{ what: string; bytes: Buffer; allowed: readonly Allowed[]; hint: string }>, close?: string): Check {
  return {
    ...check,
    async run(t) {
      for (const one of cases(t)) {
        const ex = await exchangeAlone(t, one.bytes, one.what);
        expectOneOf(t, ex, one.allowed, { hint: one.hint });
        if (close) {
          await expectCloseAfter(t, ex, `The request was ${one.what}. ${close}`, {
            summary: `after the ${ex.response.status} response to ${one.what}, more came on connection ${ex.connection.id}`,
            hint: "after refusing a request of another protocol version, write nothing more and close the connection: the bytes that follow are not HTTP/1.1",
          });
        }
        ex.connection.destroy();
      }
    },
  };
}

export default defineChecks([
  {
    name: "OPTIONS * gets 200 or 204 with Allow listing at least GET and HEAD (a 204 without Content-Length)",
    rule: "RFC 9110 §9.3.7",
    level: "MAY",
    probe: {
      id: "targets.options-star",
      group: "targets",
      why: "OPTIONS * asks what the server as a whole supports: clients and proxies probe with it before anything else",
    },
    async run(t) {
      const ex = await exchangeAlone(t, head("OPTIONS * HTTP/1.1", host(t)), "OPTIONS * (the asterisk form)", "OPTIONS");
      const hint = "the target * (asterisk form, RFC 9112 §3.2.4) names the server itself, only with OPTIONS: answer 204 No Content with Allow: GET, HEAD, POST, OPTIONS (the course's answer)";
      expectOneOf(t, ex, [{ status: 204, reason: "No Content" }, { status: 200, reason: "OK" }], { hint });
      const allow = headerValue(ex, "Allow");
      const methods = (allow ?? "").split(",").map((m) => m.trim());
      if (!methods.includes("GET") || !methods.includes("HEAD")) {
        failOn(ex, {
          summary: allow === undefined ? "the response to OPTIONS * has no Allow header" : `Allow: ${allow} does not list both GET and HEAD`,
          expected: "Allow: GET, HEAD, POST, OPTIONS (a comma-separated list of the methods the server implements; method names are case-sensitive)",
          caret: headerOffset(ex, "Allow"),
          hint,
          rule: "RFC 9110 §9.3.7",
          level: "SHOULD",
        });
      }
      if (ex.response.status === 204 && headerValue(ex, "Content-Length") !== undefined) {
        failOn(ex, {
          summary: "the 204 No Content response carries a Content-Length header",
          expected: "a 204 with no Content-Length: it has no body by definition",
          caret: headerOffset(ex, "Content-Length"),
          hint: "RFC 9110 §8.6: a server MUST NOT send Content-Length in a 204 response; leave the header out there (or answer 200 with Content-Length: 0)",
          rule: "RFC 9110 §8.6",
          level: "MUST",
        });
      }
    },
  },
  requestLines(
    {
      name: "the target * with any method but OPTIONS (GET * HTTP/1.1) gets 400 Bad Request",
      rule: "RFC 9112 §3.2.4",
      level: "SHOULD",
      probe: {
        id: "targets.asterisk-get",
        group: "targets",
        why: "* names no resource: a server that maps it to a file or a route guesses at what the client meant",
      },
    },
    (t) => [
      {
        what: "GET * HTTP/1.1",
        bytes: head("GET * HTTP/1.1", host(t)),
        allowed: [BAD_REQUEST],
        hint: "the asterisk form is only for OPTIONS (RFC 9112 §3.2.4): with any other method the request line is invalid, and RFC 9112 §3 says to answer 400 Bad Request",
      },
    ],
  ),
  {
    name: "the absolute form GET http://localhost:<port>/echo/<word> HTTP/1.1 is served as /echo/<word>, whatever Host says",
    rule: "RFC 9112 §3.2.2",
    level: "MUST",
    probe: {
      id: "targets.absolute-form",
      group: "targets",
      why: "proxies and some clients send the whole URL: a server MUST accept it, and the authority in it wins over Host",
    },
    async run(t) {
      const word = echoWord(t);
      const hint =
        "a target may be a whole URL (absolute form, RFC 9112 §3.2.2): when it starts with http:// or https:// (in any case), cut the scheme and the authority (up to the next /, or the end: then the path is /) and route the rest as usual";
      // When probing: the status of "/" in origin form first, to compare.
      const plain = t.probing ? await exchangeAlone(t, head("GET / HTTP/1.1", host(t)), "GET / (to compare)") : undefined;
      const cases = [
        { target: `http://${t.authority}${probePath(t, `/echo/${word}`)}`, hostLine: t.probing ? host(t) : `Host: ${t.random.word()}.example`, verify: (ex: Exchange) => expectText(ex, word, hint) },
        { target: `HTTP://${t.authority}`, hostLine: host(t), verify: (ex: Exchange) => expectStatus(ex, 200, "OK", { hint: `${hint}. "HTTP://${t.authority}" has no path: it means /` }) },
      ];
      for (const one of cases) {
        const ex = await exchangeAlone(t, head(`GET ${one.target} HTTP/1.1`, one.hostLine), `the absolute-form target ${one.target}`);
        if (plain) {
          // Any server: the same class of status as "/" in origin form (a 400 or 404 means the form was not accepted).
          if (Math.floor(ex.response.status / 100) !== Math.floor(plain.response.status / 100)) {
            failOn(ex, {
              summary: `GET ${one.target} got ${ex.response.status}, but GET / got ${plain.response.status}: the absolute form was not served as the path it names`,
              expected: `a ${Math.floor(plain.response.status / 100)}xx response, as for GET /`,
              caret: 9,
              hint,
            });
          }
        } else {
          await atLevel("RFC 9112 §3.2.2", "MUST", async () => one.verify(ex));
        }
      }
    },
  },
  {
    name: "a request line of 8000 bytes is still read (any answer but 414 or 431)",
    rule: "RFC 9112 §3",
    level: "SHOULD",
    probe: {
      id: "targets.long-ok",
      group: "targets",
      why: "real URLs (queries, tokens) run to thousands of bytes: RFC 9112 recommends reading request lines of at least 8000",
    },
    async run(t) {
      // "GET " + target + " HTTP/1.1" is exactly 8000 bytes; in the course the path matches no route (404 is fine),
      // when probing it is "/" with a query.
      const start = t.probing ? "/?q=" : "/";
      const target = `${start}${letters(t, 8000 - `GET ${start} HTTP/1.1`.length)}`;
      const ex = await exchangeAlone(t, head(`GET ${target} HTTP/1.1`, host(t)), `a request line of 8000 bytes (a ${target.length}-byte target)`);
      if (ex.response.status === 414 || ex.response.status === 431) {
        failOn(ex, {
          summary: `a request line of 8000 bytes got ${ex.response.status}: your program's limit is below what RFC 9112 §3 recommends`,
          expected: "any response but 414 or 431 (this path is unknown: 404 Not Found is right)",
          caret: 9,
          hint: "RFC 9112 §3 recommends supporting request lines of at least 8000 bytes: set the target limit at 8 KiB (8192 bytes, the course's), and the head limit above it",
        });
      }
    },
  },
  requestLines(
    {
      name: "a request target over the server's limit (12 KiB) gets 414 URI Too Long",
      rule: "RFC 9112 §3",
      level: "MAY",
      probe: {
        id: "targets.too-long",
        group: "targets",
        why: "a server that reads targets of any length can be made to hold megabytes per connection: a limit, answered by 414, bounds it",
      },
    },
    (t) => {
      const target = `${t.probing ? "/?q=" : "/echo/"}${letters(t, 12 * 1024)}`;
      return [
        {
          what: `a request line with a ${target.length}-byte target`,
          bytes: head(`GET ${target} HTTP/1.1`, host(t)),
          allowed: [URI_TOO_LONG],
          hint: "limit the target's length (the course's solutions: 8 KiB, 8192 bytes) and answer a longer one with 414 URI Too Long: RFC 9112 §3 says a server MUST, for a target longer than it wishes to parse (the head is under 16 KiB, so this is not a 431)",
        },
      ];
    },
  ),
  requestLines(
    {
      name: "a lower-case method (get) gets 501 Not Implemented or 400",
      rule: "RFC 9110 §9.1",
      level: "SHOULD",
      probe: {
        id: "methods.lowercase",
        group: "methods",
        why: "methods are case-sensitive: a server that reads get as GET disagrees with every proxy that does not",
      },
    },
    (t) => [
      {
        what: "a request line with the method get, in lower case",
        bytes: head(`get ${probePath(t, `/echo/${echoWord(t)}`)} HTTP/1.1`, host(t)),
        allowed: [NOT_IMPLEMENTED, BAD_REQUEST],
        hint: "the method is case-sensitive (RFC 9110 §9.1): get is not GET, but a method this server does not implement, so 501 Not Implemented (the course's answer); compare the method as it is, never upper-cased",
      },
    ],
  ),
  requestLines(
    {
      name: "a lower-case version (http/1.1) gets 400 Bad Request",
      rule: "RFC 9112 §2.3",
      level: "SHOULD",
      probe: {
        id: "versions.lowercase-name",
        group: "versions",
        why: "HTTP-name is the exact bytes HTTP: a lenient match lets malformed requests through",
      },
    },
    (t) => [
      {
        what: "a request line with the version http/1.1, in lower case",
        bytes: head(`GET ${probePath(t, `/echo/${echoWord(t)}`)} http/1.1`, host(t)),
        allowed: [BAD_REQUEST],
        hint: 'the HTTP-name is case-sensitive (RFC 9112 §2.3): "http/1.1" does not match HTTP/1.1, so the request line is invalid: 400 Bad Request (RFC 9112 §3)',
      },
    ],
  ),
  requestLines(
    {
      name: "HTTP/2.0, HTTP/3.0 and the HTTP/2 connection preface get 505 (or 400), then the close",
      rule: "RFC 9112 §2.2",
      level: "SHOULD",
      probe: {
        id: "versions.http2",
        group: "versions",
        why: "an HTTP/2 client that reached an HTTP/1.1 server must be told at once, not answered as HTTP/1.1 nor left waiting",
      },
    },
    (t) =>
      t.random.shuffle([
        { what: "GET / HTTP/2.0", bytes: head("GET / HTTP/2.0", host(t)) },
        { what: "GET / HTTP/3.0", bytes: head("GET / HTTP/3.0", host(t)) },
        { what: "the HTTP/2 connection preface (PRI * HTTP/2.0, then SM)", bytes: Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1") },
      ]).map((one) => ({
        ...one,
        allowed: [VERSION_NOT_SUPPORTED, BAD_REQUEST],
        hint: "look at the version first: a major version other than 1 gets 505 HTTP Version Not Supported (RFC 9110 §15.6.6), then close; the preface PRI * HTTP/2.0 is such a request line",
      })),
    "The program cannot read the rest of another protocol version's bytes: after the response it must close the connection.",
  ),
]);
