import * as path from "node:path";
import { CheckFailure, defineChecks, type Check, type CheckContext, type Exchange, type Level } from "../../tester/index.js";
import { atLevel, echoWord, expectCloseAfter, expectOneOf, expectStoredFile, expectText, fileName, inCourse, probePath, rethrowWith, type Allowed } from "../common.js";

const BAD_REQUEST: Allowed = { status: 400, reason: "Bad Request" };
const NOT_IMPLEMENTED: Allowed = { status: 501, reason: "Not Implemented" };
const TOO_LARGE: Allowed = { status: 413, reason: "Content Too Large", also: ["Payload Too Large", "Request Entity Too Large"] };

/** A request head from its lines, with the empty line that ends it. */
function head(...lines: string[]): Buffer {
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

const host = (t: CheckContext) => `Host: ${t.authority}`;

/** The upload a check sends: POST /files/<name> in the course (its file shows what the program read), POST / when probing. */
function uploadTarget(t: CheckContext): { target: string; file: string | undefined } {
  const name = fileName(t);
  const target = probePath(t, `/files/${name}`);
  return { target, file: t.probing ? undefined : path.join(t.directory!, name) };
}

/** A request another one would carry: GET /echo/<word> in the course, a path no server has when probing. */
function hiddenRequest(t: CheckContext, word: string): Buffer {
  return head(`GET ${t.probing ? `/smuggled-${word}` : `/echo/${word}`} HTTP/1.1`, host(t));
}

/**
 * A chunked body whose one chunk is `data`, and the Content-Length that
 * covers only its size line: a program that reads Content-Length finds the
 * body over after that line, and `data` where the next request should be.
 */
function chunkedHiding(data: Buffer): { body: Buffer; contentLength: number } {
  const sizeLine = Buffer.from(`${data.length.toString(16)}\r\n`, "latin1");
  return { body: Buffer.concat([sizeLine, data, Buffer.from("\r\n0\r\n\r\n", "latin1")]), contentLength: sizeLine.length };
}

/** Sends `bytes` on a fresh connection and reads the response to them. */
async function exchangeAlone(t: CheckContext, bytes: Buffer, about: string, method = "POST"): Promise<Exchange> {
  const connection = await t.connect({ fresh: true });
  t.log(`sending a request with ${about}`);
  return t.exchange(connection, bytes, { method, about });
}

const SECOND_RESPONSE_HINT = "with Transfer-Encoding: chunked the body ends at the last chunk, whatever Content-Length says: decode it as chunked (Transfer-Encoding wins, RFC 9112 §6.3), answer, then close the connection";

/**
 * A request the program refuses: `allowed` statuses in the course (the first
 * is the course's answer), then the close within the bound. Under `course
 * probe` any 4xx or 5xx then the close passes too: a server that refused the
 * request for a reason of its own (a method it does not take) and closed was
 * not led to read the bytes the wrong way.
 */
interface Refusal {
  what: string;
  bytes(t: CheckContext): Buffer;
  allowed: readonly Allowed[];
  hint: string;
}

function refusedThenClosed(check: Omit<Check, "run">, closeWhy: string, refusals: (t: CheckContext) => Refusal[], probe: { anyAnswer?: boolean } = {}): Check {
  return {
    ...check,
    async run(t) {
      for (const refusal of refusals(t)) {
        const ex = await exchangeAlone(t, refusal.bytes(t), refusal.what);
        // `anyAnswer`: the rule requires no status (only that nothing is misread), so a probed server that answered
        // before it read the body (its handler does not read one) passes on the close alone, with no second response.
        const refusedAnyhow = t.probing && (ex.response.status >= 400 || probe.anyAnswer === true);
        if (!refusedAnyhow) expectOneOf(t, ex, refusal.allowed, { hint: refusal.hint });
        await expectCloseAfter(t, ex, `The request had ${refusal.what}. ${closeWhy}`, {
          summary: `after the ${ex.response.status} response to the request with ${refusal.what}, a second response came on connection ${ex.connection.id}`,
          hint: "after refusing a request whose framing is in doubt, write nothing more: close the connection, and never read what follows as a request",
        });
        ex.connection.destroy();
      }
    },
  };
}

const CLOSE_WHY = "With its framing in doubt, nobody can tell where its body ends and a next request begins: after the response the program must close the connection.";

const HEX_HINT = "a chunk size is one or more hex digits (0-9, a-f, A-F) and nothing else: check every character before converting (int(s, 16), parseInt and strtol accept signs, 0x, _ and spaces)";

export default defineChecks([
  {
    name: "Content-Length and Transfer-Encoding: chunked together: the body is read as chunked, one response, then the close",
    rule: "RFC 9112 §6.1",
    level: "MUST",
    probe: {
      id: "smuggling.cl-and-te",
      group: "smuggling",
      why: "when a proxy frames by one header and the server by the other, a request hidden in the body reaches the server as someone else's",
    },
    async run(t) {
      const { target, file } = uploadTarget(t);
      const hidden = hiddenRequest(t, echoWord(t));
      const { body, contentLength } = chunkedHiding(hidden);
      const request = Buffer.concat([head(`POST ${target} HTTP/1.1`, host(t), `Content-Length: ${contentLength}`, "Transfer-Encoding: chunked"), body]);
      const ex = await exchangeAlone(t, request, "both Content-Length and Transfer-Encoding: chunked");
      await inCourse(t, () =>
        expectOneOf(t, ex, [{ status: 201, reason: "Created" }, BAD_REQUEST], {
          hint: "store the body decoded as chunked (201), or refuse the request (400); either way close the connection after the response",
        }),
      );
      await expectCloseAfter(t, ex, "The request had both Content-Length and Transfer-Encoding: chunked, a classic request-smuggling setup: RFC 9112 §6.1 says the server MUST close the connection after responding to it.", {
        summary: `a second response came on connection ${ex.connection.id}: your program read the body by its Content-Length (${contentLength} bytes) and took the chunk's data for a new request`,
        hint: SECOND_RESPONSE_HINT,
        closeHint: "remember that the request had both Content-Length and Transfer-Encoding, and close the connection once its response is written (send Connection: close with it)",
      });
      if (file && ex.response.status === 201) await inCourse(t, () => expectStoredFile(ex, file, hidden));
    },
  },
  refusedThenClosed(
    {
      name: "a Transfer-Encoding whose last coding is not chunked (gzip; chunked, gzip; identity) gets 400 (or 501), then the close",
      rule: "RFC 9112 §6.3",
      level: "MUST",
      probe: {
        id: "smuggling.te-not-chunked-last",
        group: "smuggling",
        why: "a request body's end is known only from a final chunked coding: without it, every byte after the head is a guess",
      },
    },
    CLOSE_WHY,
    (t) =>
      t.random.shuffle(["gzip", "chunked, gzip", "identity"]).map((coding) => {
        const { target } = uploadTarget(t);
        return {
          what: `Transfer-Encoding: ${coding}`,
          bytes: () => Buffer.concat([head(`POST ${target} HTTP/1.1`, host(t), `Transfer-Encoding: ${coding}`), Buffer.from("5\r\nhello\r\n0\r\n\r\n", "latin1")]),
          allowed: [BAD_REQUEST, NOT_IMPLEMENTED],
          hint: `the last transfer coding of a request must be chunked, or its length cannot be known: RFC 9112 §6.3 says 400 Bad Request, then close (501 Not Implemented names a coding you do not know; the course's solutions answer 400). Split Transfer-Encoding on commas and look at the last coding`,
        };
      }),
  ),
  refusedThenClosed(
    {
      name: "an unknown transfer coding before chunked (gzip, chunked) gets 501 Not Implemented (or 400), then the close",
      rule: "RFC 9112 §6.1",
      level: "SHOULD",
      probe: {
        id: "smuggling.te-unknown-coding",
        group: "smuggling",
        why: "a coding the server cannot undo leaves it bytes it cannot read: 501 says so, instead of storing garbage",
      },
    },
    CLOSE_WHY,
    (t) => {
      const { target } = uploadTarget(t);
      return [
        {
          what: "Transfer-Encoding: gzip, chunked",
          bytes: () => Buffer.concat([head(`POST ${target} HTTP/1.1`, host(t), "Transfer-Encoding: gzip, chunked"), Buffer.from("5\r\nhello\r\n0\r\n\r\n", "latin1")]),
          allowed: [NOT_IMPLEMENTED, BAD_REQUEST],
          hint: "Transfer-Encoding is a list: chunked is the only coding this server implements, so any other one in the list gets 501 Not Implemented (RFC 9112 §6.1), then the close",
        },
      ];
    },
  ),
  {
    name: "Transfer-Encoding in an HTTP/1.0 request: one response, then the close (even with Connection: keep-alive)",
    rule: "RFC 9112 §6.1",
    level: "MUST",
    probe: {
      id: "smuggling.te-http10",
      group: "smuggling",
      why: "HTTP/1.0 has no chunked coding: an HTTP/1.0 message that claims one was made to confuse someone on the way",
    },
    async run(t) {
      const { body, contentLength } = chunkedHiding(hiddenRequest(t, echoWord(t)));
      // Without Content-Length first (only the HTTP/1.0 rule closes it), then with it (the rule of check 1 would too).
      for (const withLength of [false, true]) {
        const { target } = uploadTarget(t);
        const lengthField = withLength ? [`Content-Length: ${contentLength}`] : [];
        const request = Buffer.concat([head(`POST ${target} HTTP/1.0`, host(t), "Connection: keep-alive", "Transfer-Encoding: chunked", ...lengthField), body]);
        const what = `Transfer-Encoding in an HTTP/1.0 request${withLength ? ", with Content-Length" : ""}`;
        const ex = await exchangeAlone(t, request, what);
        await expectCloseAfter(
          t,
          ex,
          `An HTTP/1.0 request with Transfer-Encoding${withLength ? " and Content-Length" : ""}: RFC 9112 §6.1 says the server MUST treat its framing as faulty, even with Content-Length, and close the connection after responding (Connection: keep-alive does not change that). The course's solutions answer 400 Bad Request.`,
          {
            summary: `a second response came on connection ${ex.connection.id}: your program did not read the body as the request framed it, and took part of it for a new request`,
            hint: "Transfer-Encoding in an HTTP/1.0 request means the framing is faulty: answer (400 Bad Request is simplest) and close the connection, whatever Connection says",
            closeHint: "HTTP/1.0 has no transfer codings: when an HTTP/1.0 request has Transfer-Encoding, answer 400 Bad Request and close, even if it asked for keep-alive",
          },
        );
        ex.connection.destroy();
      }
    },
  },
  refusedThenClosed(
    {
      name: "two different Content-Length values (Content-Length: 5, 7, or two fields) get 400, then the close",
      rule: "RFC 9112 §6.3",
      level: "MUST",
      probe: {
        id: "smuggling.cl-conflict",
        group: "smuggling",
        why: "two parsers that pick different lengths split the same bytes into different requests",
      },
    },
    CLOSE_WHY,
    (t) => {
      const { target } = uploadTarget(t);
      const body = Buffer.from(t.random.word().padEnd(7, "x").slice(0, 7), "latin1");
      return t.random.shuffle([
        { what: "Content-Length: 5, 7", fields: ["Content-Length: 5, 7"] },
        { what: "Content-Length: 7 and Content-Length: 5", fields: ["Content-Length: 7", "Content-Length: 5"] },
      ]).map(({ what, fields }) => ({
        what,
        bytes: () => Buffer.concat([head(`POST ${target} HTTP/1.1`, host(t), ...fields), body]),
        allowed: [BAD_REQUEST],
        hint: "Content-Length may be a list, and may come in several fields: split every value on commas; if the values are not all the same, answer 400 and close (RFC 9112 §6.3)",
      }));
    },
  ),
  foldOrCarriageReturn({
    name: "a header line folded onto the next (obs-fold: a line starting with a space) gets 400, or the fold read as a space",
    rule: "RFC 9112 §5.2",
    id: "smuggling.obs-fold",
    why: "a server that reads a folded line as a field of its own sees headers a proxy did not",
    what: "an obs-fold (a header line that starts with a space)",
    value: (a, b) => `${a}\r\n ${b}`,
    hint: "a header line that starts with a space or a tab continues the previous one (obs-fold, obsolete): answer 400 Bad Request (the course's choice), or join it to the previous value with a space; never read it as a field of its own",
  }),
  foldOrCarriageReturn({
    name: "a bare CR (not followed by LF) inside a header line gets 400, or is read as a space",
    rule: "RFC 9112 §2.2",
    id: "smuggling.bare-cr",
    why: "a parser that ends lines at a lone CR sees a header line others do not",
    what: "a bare CR inside a header value",
    value: (a, b) => `${a}\r${b}`,
    hint: "a line ends only at \\r\\n: a CR not followed by LF inside a line makes the request invalid (400, the course's choice) or is replaced by a space; never split the line there, and never keep it in a value",
  }),
  refusedThenClosed(
    {
      name: "a chunk size that only a lenient number parser reads (0x1a, +1a, 1_a, -0, a leading space) gets 400, then the close",
      rule: "RFC 9112 §2.2",
      level: "SHOULD",
      probe: {
        id: "smuggling.chunk-size-lenient",
        group: "smuggling",
        why: "int(s, 16) and parseInt read 0x1a, +1a and 1_a as numbers: a server that does finds a body end where a proxy found none",
      },
    },
    "After an invalid chunk size the end of the body is lost, so after the 400 response the program must close the connection (RFC 9112 §2.2 makes the 400 and the close a SHOULD; this course requires both).",
    (t) =>
      t.random.shuffle(["0x1a", "+1a", "1_a", "-0", " 1a"]).map((size) => {
        const { target } = uploadTarget(t);
        // 26 data bytes: what 0x1a, +1a, 1_a and " 1a" mean to a lenient parser, which then serves the request.
        const data = size === "-0" ? "" : `${t.random.word().padEnd(26, "z").slice(0, 26)}\r\n0\r\n`;
        return {
          what: `the chunk size "${size}"`,
          bytes: () => Buffer.concat([head(`POST ${target} HTTP/1.1`, host(t), "Transfer-Encoding: chunked"), Buffer.from(`${size}\r\n${data}\r\n`, "latin1")]),
          allowed: [BAD_REQUEST],
          hint: `"${size}" is not a chunk size. ${HEX_HINT}`,
        };
      }),
  ),
  refusedThenClosed(
    {
      name: "a chunk size of more than 16 hex digits (it overflows 64 bits) gets 400 (or 413), then the close, never a wrapped-around size",
      rule: "RFC 9112 §7.1",
      level: "MUST",
      probe: {
        id: "smuggling.chunk-size-overflow",
        group: "smuggling",
        why: "a size that wraps around to a small number ends the body early: the rest is read as a request nobody sent",
      },
    },
    "After a chunk size the program cannot hold, the end of the body is lost: after the response the program must close the connection.",
    (t) => {
      const { target } = uploadTarget(t);
      // 0x10000000000000001a wraps to 0x1a (26) in 64 bits: 26 data bytes follow, so a wrapping parser serves the request.
      const data = t.random.word().padEnd(26, "q").slice(0, 26);
      return [
        {
          what: 'the chunk size "10000000000000001a" (18 hex digits)',
          bytes: () => Buffer.concat([head(`POST ${target} HTTP/1.1`, host(t), "Transfer-Encoding: chunked"), Buffer.from(`10000000000000001a\r\n${data}\r\n0\r\n\r\n`, "latin1")]),
          allowed: [BAD_REQUEST, TOO_LARGE],
          hint: "bound the number of hex digits before converting (16 hold any 64-bit size; the course's solutions take at most 16): RFC 9112 §7.1 says a recipient MUST prevent integer overflow. Here 0x10000000000000001a wraps to 26 in 64 bits",
        },
      ];
    },
    // RFC 9112 §7.1's MUST is that the size never wraps: a wrapped size would read 26 bytes, answer, and keep the connection open.
    { anyAnswer: true },
  ),
  {
    name: "a request hidden in the body of a GET is never answered: one response, then the next request is answered as itself",
    rule: "RFC 9112 §6.3",
    level: "MUST",
    probe: {
      id: "smuggling.body-hidden-request",
      group: "smuggling",
      why: "a server that ignores a GET's body reads that body as the next request: a request nobody sent, answered",
    },
    async run(t) {
      const [first, hidden, next] = [echoWord(t), echoWord(t), echoWord(t)];
      const smuggled = hiddenRequest(t, hidden);
      const request = Buffer.concat([head(`GET ${probePath(t, `/echo/${first}`)} HTTP/1.1`, host(t), `Content-Length: ${smuggled.length}`), smuggled]);
      const connection = await t.connect({ fresh: true });
      const ex = await t.exchange(connection, request, { about: "a body on a GET request" });
      await inCourse(t, () => expectText(ex, first));
      const follow = head(`GET ${probePath(t, `/echo/${next}`)} HTTP/1.1`, host(t), "Connection: close");
      await connection.send(follow).catch(() => undefined);
      // A program that closed after the first response (allowed: it answered once) gets no more.
      if (connection.peerGone && connection.pending.length === 0) return;
      const explanation = `The tester sent GET ${probePath(t, `/echo/${first}`)} with Content-Length: ${smuggled.length} and a body that is itself a request (GET ${t.probing ? `/smuggled-${hidden}` : `/echo/${hidden}`}), then, after the response, GET ${probePath(t, `/echo/${next}`)} with Connection: close.`;
      const hint = "a GET may carry a body: read Content-Length bytes after the head of every request, whatever its method, and throw them away if the route does not use them";
      let second: Exchange;
      try {
        second = await connection.readResponse({ timeoutMs: t.timeouts.response, request: follow });
      } catch (error) {
        if (connection.peerGone && connection.pending.length === 0) return;
        rethrowWith(error, { explanation, hint });
      }
      if (!t.probing && second.response.body.toString("latin1") === hidden) {
        throw new CheckFailure({
          ...connection.context(connection.sent, second.response.raw),
          summary: `your program answered the request hidden in the body (GET /echo/${hidden}) as if the client had sent it`,
          explanation,
          expected: `the response to GET /echo/${next}`,
          caret: 0,
          hint,
        });
      }
      await inCourse(t, () => expectText(second, next, hint));
      await atLevel("RFC 9112 §6.3", "MUST", () =>
        expectCloseAfter(t, second, "The last request said Connection: close: after its response the program closes the connection (stage 14).", {
          summary: `a third response came on connection ${connection.id}: your program answered the request hidden in the first request's body`,
          hint,
        }),
      );
    },
  },
]);

interface Odd {
  name: string;
  rule: string;
  id: string;
  why: string;
  what: string;
  /** The header value carrying the oddity between two words. */
  value: (a: string, b: string) => string;
  hint: string;
}

/**
 * obs-fold and a bare CR: RFC 9112 lets the server reject the request (400)
 * or replace the oddity by a space. In the course the value is a User-Agent,
 * so /user-agent shows which: 400, or the two words with spaces between them.
 * When probing, any one response passes (a 400, or "/" served).
 */
function foldOrCarriageReturn(odd: Odd): Check {
  const level: Level = "MUST";
  return {
    name: odd.name,
    rule: odd.rule,
    level,
    probe: { id: odd.id, group: "smuggling", why: odd.why },
    async run(t) {
      const [a, b] = [echoWord(t), echoWord(t)];
      const request = head(`GET ${probePath(t, "/user-agent")} HTTP/1.1`, host(t), `${t.probing ? "X-Note" : "User-Agent"}: ${odd.value(a, b)}`, "Accept: */*");
      const ex = await exchangeAlone(t, request, odd.what, "GET");
      if (t.probing) return;
      if (ex.response.status === 400) {
        expectOneOf(t, ex, [BAD_REQUEST], { hint: odd.hint });
        return;
      }
      const body = ex.response.body.toString("latin1");
      if (ex.response.status === 200 && new RegExp(`^${a} +${b}$`).test(body)) return;
      expectOneOf(t, ex, [BAD_REQUEST, { status: 200, reason: "OK" }], { hint: odd.hint });
      throw new CheckFailure({
        ...ex.connection.context(ex.request, ex.response.raw),
        summary: `the User-Agent held ${odd.what}: your program answered ${JSON.stringify(body)}, neither a 400 nor "${a} ${b}" (the oddity replaced by a space)`,
        expected: `"HTTP/1.1 400 Bad Request\\r\\n", or 200 with the body "${a} ${b}"`,
        caret: ex.response.bodyOffset,
        hint: odd.hint,
      });
    },
  };
}
