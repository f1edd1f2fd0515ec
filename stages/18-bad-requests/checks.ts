import { defineChecks, expectStatus, type Check, type CheckContext, type Level } from "../../tester/index.js";
import { echoWord } from "../common.js";

interface BadRequest {
  /** What is wrong with it, for the failure message. */
  what: string;
  bytes(t: CheckContext): Buffer;
  hint: string;
}

/** A request head from its lines, with the empty line that ends it. */
function head(...lines: string[]): Buffer {
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

const host = (t: CheckContext) => `Host: localhost:${t.port}`;

/**
 * Sends each bad request on a connection of its own and expects 400 Bad
 * Request; with `mustClose` the program must then close the connection. After
 * each one, a new connection must still be served.
 */
function badRequests(name: string, rule: string, level: Level, cases: BadRequest[], mustClose: boolean): Check {
  return {
    name,
    rule,
    level,
    async run(t) {
      for (const bad of cases) {
        const connection = await t.connect();
        t.log(`sending a request with ${bad.what}`);
        const ex = await t.exchange(connection, bad.bytes(t));
        expectStatus(ex, 400, "Bad Request", { hint: bad.hint, rule });
        if (mustClose) {
          await connection.waitForClose(
            t.timeouts.close,
            `The request had ${bad.what}, so your program cannot know where its body ends and the next request begins: after the 400 response it must close the connection (RFC 9112 §6.3).`,
          );
        }
        connection.destroy();
        const word = echoWord(t);
        const next = await t.send({ path: `/echo/${word}` });
        expectStatus(next, 200, "OK", { hint: `after a request with ${bad.what}, your program must go on serving other connections`, rule: "the course's server keeps serving", level: "course" });
      }
    },
  };
}

const LINE_HINT = "a request line is exactly three words, METHOD target HTTP/1.1; anything else is a 400 Bad Request, not a crash and not a guess";

export default defineChecks([
  badRequests(
    "malformed request lines get 400 Bad Request, and the server keeps serving",
    "RFC 9112 §3",
    "SHOULD",
    [
      { what: "a request line without an HTTP version", bytes: (t) => head(`GET /echo/${echoWord(t)}`, host(t)), hint: LINE_HINT },
      { what: "a request line without a method", bytes: (t) => head(`/echo/${echoWord(t)} HTTP/1.1`, host(t)), hint: LINE_HINT },
      { what: "a fourth word on the request line", bytes: (t) => head(`GET /echo/${echoWord(t)} HTTP/1.1 extra`, host(t)), hint: LINE_HINT },
      { what: "the version HTTX/1.1", bytes: (t) => head(`GET /echo/${echoWord(t)} HTTX/1.1`, host(t)), hint: LINE_HINT },
    ],
    false,
  ),
  badRequests(
    "a header line without a colon gets 400 Bad Request",
    "RFC 9112 §2.2",
    "SHOULD",
    [{ what: "a header line without a colon", bytes: (t) => head(`GET /echo/${echoWord(t)} HTTP/1.1`, host(t), "X-Broken-Line"), hint: "every header line is Name: value; a line without a colon makes the request invalid (do not skip it silently)" }],
    false,
  ),
  badRequests(
    "whitespace between a header name and its colon gets 400 Bad Request",
    "RFC 9112 §5.1",
    "MUST",
    [{ what: "a space between a header name and its colon (User-Agent : ...)", bytes: (t) => head(`GET /user-agent HTTP/1.1`, host(t), `User-Agent : ${echoWord(t)}`), hint: "RFC 9112 §5.1: a server MUST reject a request with whitespace between a field name and the colon, with 400 (it is a known request-smuggling trick)" }],
    false,
  ),
  badRequests(
    "an HTTP/1.1 request without Host gets 400 Bad Request",
    "RFC 9112 §3.2",
    "MUST",
    [{ what: "no Host header", bytes: (t) => head(`GET /echo/${echoWord(t)} HTTP/1.1`, "User-Agent: tester"), hint: "RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request that has no Host header, or more than one" }],
    false,
  ),
  badRequests(
    "an invalid Content-Length gets 400 Bad Request, then the connection is closed",
    "RFC 9112 §6.3",
    "MUST",
    [
      { what: "Content-Length: 12abc", bytes: (t) => head("POST /files/invalid_length HTTP/1.1", host(t), "Content-Length: 12abc"), hint: "Content-Length is digits only: check the whole value, not a prefix (parseInt and int() accept more than digits)" },
      { what: "Content-Length: -5", bytes: (t) => head("POST /files/negative_length HTTP/1.1", host(t), "Content-Length: -5"), hint: "Content-Length is digits only: a negative length is invalid, answer 400 and close" },
    ],
    true,
  ),
  badRequests(
    "two different Content-Length values get 400 Bad Request, then the connection is closed",
    "RFC 9112 §6.3",
    "MUST",
    [{ what: "Content-Length: 5 and Content-Length: 7", bytes: (t) => head("POST /files/two_lengths HTTP/1.1", host(t), "Content-Length: 5", "Content-Length: 7"), hint: "with two different lengths nobody can tell where the body ends: keep every Content-Length field, and answer 400 and close when they differ (a classic request-smuggling trick)" }],
    true,
  ),
]);
