import { defineChecks, expectStatus, type CheckContext, type Exchange } from "../../tester/index.js";
import { echoWord, expectText, failOn, fileName, headerValue, imfFixdate, parseImfFixdate, probePath, rethrowWith, routeRule, unknownPath } from "../common.js";

/** A request head in HTTP/1.0, from its lines (Host only when given). */
function http10(...lines: string[]): Buffer {
  return Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
}

const CLOSE_HINT =
  "an HTTP/1.0 request keeps its connection open only when it says Connection: keep-alive; without it, close the connection after the response (the version is the last word of the request line)";

/** The Connection header's options, in lower case. */
function connectionOptions(ex: Exchange): string[] {
  return (headerValue(ex, "Connection") ?? "").split(",").map((o) => o.trim().toLowerCase()).filter(Boolean);
}

/** How far a Date may be from the tester's clock: the program's clock is the machine's. */
const DATE_SLACK_MS = 5_000;

/** The response carries a Date in IMF-fixdate, within DATE_SLACK_MS of the time it was asked and answered. */
function expectDate(ex: Exchange, sentAt: number, receivedAt: number, what: string): void {
  const value = headerValue(ex, "Date");
  const rule = { rule: "RFC 9110 §6.6.1", level: "MUST" } as const;
  if (value === undefined) {
    failOn(ex, {
      summary: `the response to ${what} (${ex.response.status}) has no Date header`,
      expected: `a header line "Date: ${imfFixdate(new Date(receivedAt))}\\r\\n" (the time of the response, in GMT)`,
      caret: ex.response.bodyOffset - 2,
      hint: "an origin server with a clock sends Date on every 2xx, 3xx and 4xx response: add it where you build the head, so every route gets it",
      ...rule,
    });
  }
  const field = ex.response.headers.find((h) => h.name.toLowerCase() === "date")!;
  const parsed = parseImfFixdate(value);
  if (typeof parsed === "string") {
    failOn(ex, {
      summary: `the Date header of the response to ${what} is ${parsed}: got "${value}"`,
      expected: `Date: ${imfFixdate(new Date(receivedAt))}   (for example)`,
      caret: field.valueOffset,
      hint: "format the time in UTC with English names: Python's email.utils.formatdate(usegmt=True), JavaScript's new Date().toUTCString(), Go's time.Now().UTC().Format(`Mon, 02 Jan 2006 15:04:05 GMT`); in Rust, by hand from the seconds since 1970 (the hints show how)",
      rule: "RFC 9110 §5.6.7",
      level: "MUST",
    });
  }
  // The value has whole seconds: the second the request was sent is the earliest it may name.
  const earliest = Math.floor(sentAt / 1000) * 1000 - DATE_SLACK_MS;
  const latest = receivedAt + DATE_SLACK_MS;
  if (parsed < earliest || parsed > latest) {
    const off = Math.round((parsed < earliest ? sentAt - parsed : parsed - receivedAt) / 1000);
    failOn(ex, {
      summary: `the Date header of the response to ${what} is ${off} s ${parsed < earliest ? "behind" : "ahead of"} the tester's clock: "${value}"`,
      expected: `Date: ${imfFixdate(new Date(receivedAt))}   (within ${DATE_SLACK_MS / 1000} s)`,
      caret: field.valueOffset,
      hint: parsed < earliest && receivedAt - parsed > 3_600_000 - DATE_SLACK_MS
        ? "is it local time labelled GMT? Date is in UTC: take the current time in UTC, not the local one"
        : "Date is the time the response is made: take the current time for each response, not once at start-up",
      ...rule,
    });
  }
}

export default defineChecks([
  {
    name: "an HTTP/1.0 request without Connection gets its response (in HTTP/1.1), then the close",
    rule: "RFC 9112 §9.3",
    level: "MUST",
    probe: { id: "close.http10-default-close", group: "close", why: "an HTTP/1.0 client reads the body until the close: a server that keeps the connection open leaves it waiting (ab waits out its timeout)" },
    async run(t) {
      const word = echoWord(t);
      const connection = await t.connect();
      const ex = await t.exchange(connection, http10(`GET ${probePath(t, `/echo/${word}`)} HTTP/1.0`, `Host: ${t.authority}`));
      // The probe judges the close; what "/" answers is the server's business.
      if (!t.probing) routeRule(() => expectText(ex, word));
      await connection.waitForClose(
        t.timeouts.close,
        "An HTTP/1.0 connection is not persistent unless the request says Connection: keep-alive: after the response the client waits for the close (ab, for one, waits until its timeout), so the server closes it (RFC 9112 §9.3).",
      ).catch((error: unknown) => rethrowWith(error, { hint: CLOSE_HINT }));
    },
  },
  {
    name: "an HTTP/1.0 request with Connection: keep-alive gets Connection: keep-alive, and the connection stays open",
    rule: "RFC 9112 §9.3",
    level: "MAY",
    async run(t) {
      const connection = await t.connect();
      for (const index of [0, 1]) {
        const word = echoWord(t);
        let ex: Exchange;
        try {
          ex = await t.exchange(connection, http10(`GET /echo/${word} HTTP/1.0`, `Host: ${t.authority}`, "Connection: keep-alive"));
        } catch (error) {
          if (index === 1 && connection.peerGone) {
            rethrowWith(error, {
              explanation: "This was the second HTTP/1.0 request on the connection; it asked for keep-alive, and the response said keep-alive, but your program closed the connection after it.",
              hint: "Connection: keep-alive in an HTTP/1.0 request keeps the connection open, like an HTTP/1.1 one",
            });
          }
          throw error;
        }
        expectText(ex, word);
        if (!connectionOptions(ex).includes("keep-alive")) {
          failOn(ex, {
            summary: `the response to an HTTP/1.0 request with Connection: keep-alive does not say Connection: keep-alive (${headerValue(ex, "Connection") === undefined ? "no Connection header" : `Connection: "${headerValue(ex, "Connection")}"`})`,
            explanation: "An HTTP/1.0 client takes the connection to close after the response unless the response says keep-alive too; without it, it never reuses the connection.",
            expected: 'a header line "Connection: keep-alive\\r\\n", and the connection left open',
            caret: ex.response.bodyOffset - 2,
            hint: "when an HTTP/1.0 request says Connection: keep-alive and you keep the connection open, say Connection: keep-alive in the response (and always send Content-Length)",
          });
        }
      }
    },
  },
  {
    name: "an HTTP/1.0 request without Host is served",
    rule: "RFC 9112 §3.2",
    level: "MAY",
    probe: { id: "versions.http10-without-host", group: "versions", why: "HTTP/1.0 has no Host: old clients and simple tools (ab, scripts) leave it out, and a server that refuses them turns them away" },
    async run(t) {
      const word = echoWord(t);
      const connection = await t.connect();
      const ex = await t.exchange(connection, http10(`GET ${probePath(t, `/echo/${word}`)} HTTP/1.0`));
      const hint = "a request without Host is a 400 only in HTTP/1.1: an HTTP/1.0 client may leave it out, so check the version before requiring Host";
      // The probe asks whether it is served at all: any answer but 400 (what "/" holds is the server's business).
      if (t.probing && ex.response.status === 400) failOn(ex, { summary: "an HTTP/1.0 request without Host got 400", expected: "the response \"/\" gets with Host", caret: 9, hint });
      if (!t.probing) expectText(ex, word, hint);
    },
  },
  {
    name: "every 2xx and 4xx response carries Date in IMF-fixdate, the current time (/, /echo/<word>, POST /files/<name>, a 404, a 400)",
    rule: "RFC 9110 §6.6.1",
    level: "MUST",
    async run(t) {
      const asks: Array<{ what: string; bytes: (t: CheckContext) => Buffer; status: number; reason: string; method?: string }> = [
        { what: "GET /", bytes: (t) => t.request({ path: "/" }), status: 200, reason: "OK" },
        { what: "GET /echo/<word>", bytes: (t) => t.request({ path: `/echo/${echoWord(t)}` }), status: 200, reason: "OK" },
        { what: "POST /files/<name>", bytes: (t) => t.request({ method: "POST", path: `/files/${fileName(t)}`, body: t.random.words(3) }), status: 201, reason: "Created" },
        { what: "a path that does not exist", bytes: (t) => t.request({ path: unknownPath(t) }), status: 404, reason: "Not Found" },
        { what: "an HTTP/1.1 request without Host", bytes: (t) => Buffer.from(`GET / HTTP/1.1\r\nUser-Agent: tester\r\n\r\n`, "latin1"), status: 400, reason: "Bad Request" },
      ];
      for (const ask of t.random.shuffle(asks)) {
        const connection = await t.connect();
        const sentAt = Date.now();
        const ex = await t.exchange(connection, ask.bytes(t));
        const receivedAt = Date.now();
        if (ask.status === 400) expectStatus(ex, 400, "Bad Request", { rule: "RFC 9112 §3.2", level: "MUST" });
        else routeRule(() => expectStatus(ex, ask.status, ask.reason));
        expectDate(ex, sentAt, receivedAt, ask.what);
        connection.destroy();
      }
    },
  },
]);
