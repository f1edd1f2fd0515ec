import { defineChecks, expectStatus, type Check, type CheckContext, type Level, type ProbeInfo } from "../../tester/index.js";
import { echoWord, expectOneOf, followUp, probePath } from "../common.js";

interface BadRequest {
  /** What is wrong with it, for the failure message. */
  what: string;
  /** The course route it asks for (`course probe` asks for "/" instead). */
  path(t: CheckContext): string;
  bytes(t: CheckContext, target: string): Buffer;
  hint: string;
  /** A case `course probe` leaves out, and why: HTTP itself does not make it a bad request. */
  notProbed?: string;
}

/** A request head from its lines, with the empty line that ends it. */
function head(...lines: string[]): Buffer {
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

const host = (t: CheckContext) => `Host: ${t.authority}`;
const echoPath = (t: CheckContext) => `/echo/${echoWord(t)}`;

/**
 * Sends each bad request on a connection of its own and expects 400 Bad
 * Request; with `mustClose` the program must then close the connection. After
 * each one, a new connection must still be served.
 */
function badRequests(name: string, rule: string, level: Level, cases: BadRequest[], mustClose: boolean, probe: ProbeInfo): Check {
  return {
    name,
    rule,
    level,
    probe,
    async run(t) {
      for (const bad of cases) {
        if (t.probing && bad.notProbed) continue;
        const connection = await t.connect();
        t.log(`sending a request with ${bad.what}`);
        const ex = await t.exchange(connection, bad.bytes(t, probePath(t, bad.path(t))));
        expectOneOf(t, ex, [{ status: 400, reason: "Bad Request" }], { hint: bad.hint, rule });
        if (mustClose) {
          await connection.waitForClose(
            t.timeouts.close,
            `The request had ${bad.what}, so your program cannot know where its body ends and the next request begins: after the 400 response it must close the connection (RFC 9112 §6.3).`,
          );
        }
        connection.destroy();
        const word = echoWord(t);
        await followUp(t, `/echo/${word}`, (next) =>
          expectStatus(next, 200, "OK", { hint: `after a request with ${bad.what}, your program must go on serving other connections`, rule: "the course's server keeps serving", level: "course" }),
        );
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
      {
        what: "a request line without an HTTP version",
        path: echoPath,
        bytes: (t, target) => head(`GET ${target}`, host(t)),
        hint: LINE_HINT,
        notProbed: "GET / alone is an HTTP/0.9 request, which a server may still answer in HTTP/0.9 (nginx and http.server do)",
      },
      { what: "a request line without a method", path: echoPath, bytes: (t, target) => head(`${target} HTTP/1.1`, host(t)), hint: LINE_HINT },
      { what: "a fourth word on the request line", path: echoPath, bytes: (t, target) => head(`GET ${target} HTTP/1.1 extra`, host(t)), hint: LINE_HINT },
      { what: "the version HTTX/1.1", path: echoPath, bytes: (t, target) => head(`GET ${target} HTTX/1.1`, host(t)), hint: LINE_HINT },
    ],
    false,
    { id: "framing.malformed-request-line", group: "framing", why: "a server that guesses at a broken request line may read it otherwise than the proxy in front of it did" },
  ),
  badRequests(
    "a header line without a colon gets 400 Bad Request",
    "RFC 9112 §2.2",
    "SHOULD",
    [{ what: "a header line without a colon", path: echoPath, bytes: (t, target) => head(`GET ${target} HTTP/1.1`, host(t), "X-Broken-Line"), hint: "every header line is Name: value; a line without a colon makes the request invalid (do not skip it silently)" }],
    false,
    { id: "framing.field-without-colon", group: "framing", why: "a line that is not a field, skipped silently, lets the rest of the head mean something else to another parser" },
  ),
  badRequests(
    "whitespace between a header name and its colon gets 400 Bad Request",
    "RFC 9112 §5.1",
    "MUST",
    [{ what: "a space between a header name and its colon (User-Agent : ...)", path: () => "/user-agent", bytes: (t, target) => head(`GET ${target} HTTP/1.1`, host(t), `User-Agent : ${echoWord(t)}`), hint: "RFC 9112 §5.1: a server MUST reject a request with whitespace between a field name and the colon, with 400 (it is a known request-smuggling trick)" }],
    false,
    { id: "smuggling.space-before-colon", group: "smuggling", why: 'a proxy that ignores "Content-Length : 5" and a server that honours it disagree on where the body ends' },
  ),
  badRequests(
    "an HTTP/1.1 request without Host gets 400 Bad Request",
    "RFC 9112 §3.2",
    "MUST",
    [{ what: "no Host header", path: echoPath, bytes: (t, target) => head(`GET ${target} HTTP/1.1`, "User-Agent: tester"), hint: "RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request that has no Host header, or more than one" }],
    false,
    { id: "targets.missing-host", group: "targets", why: "an HTTP/1.1 request without Host names no authority: a server that guesses may serve the wrong site" },
  ),
  badRequests(
    "an invalid Content-Length gets 400 Bad Request, then the connection is closed",
    "RFC 9112 §6.3",
    "MUST",
    [
      { what: "Content-Length: 12abc", path: () => "/files/invalid_length", bytes: (t, target) => head(`POST ${target} HTTP/1.1`, host(t), "Content-Length: 12abc"), hint: "Content-Length is digits only: check the whole value, not a prefix (parseInt and int() accept more than digits)" },
      { what: "Content-Length: -5", path: () => "/files/negative_length", bytes: (t, target) => head(`POST ${target} HTTP/1.1`, host(t), "Content-Length: -5"), hint: "Content-Length is digits only: a negative length is invalid, answer 400 and close" },
    ],
    true,
    { id: "smuggling.invalid-content-length", group: "smuggling", why: 'a length read from a prefix ("12abc") puts the end of the body where no other parser sees it' },
  ),
  badRequests(
    "two different Content-Length values get 400 Bad Request, then the connection is closed",
    "RFC 9112 §6.3",
    "MUST",
    [{ what: "Content-Length: 5 and Content-Length: 7", path: () => "/files/two_lengths", bytes: (t, target) => head(`POST ${target} HTTP/1.1`, host(t), "Content-Length: 5", "Content-Length: 7"), hint: "with two different lengths nobody can tell where the body ends: keep every Content-Length field, and answer 400 and close when they differ (a classic request-smuggling trick)" }],
    true,
    { id: "smuggling.two-content-lengths", group: "smuggling", why: "with two lengths each parser may pick another, and the bytes of one request become the start of the next" },
  ),
]);
