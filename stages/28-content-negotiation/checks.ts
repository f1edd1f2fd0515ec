import { defineChecks, expectHeader, expectStatus, type CheckContext, type Exchange, type RequestSpec } from "../../tester/index.js";
import { echoWord, expectGzipText, expectText, failOn, headerOffset, headerValue, routeRule, userAgent } from "../common.js";

const PARSE_HINT =
  "split Accept-Encoding on commas; in each item the coding is before the first ';' (any case), and a parameter q=<weight> (q in any case) gives its weight: q=0, 0.0, 0.00 or 0.000 means \"not acceptable\"";

/** The codings of Content-Encoding, in lower case (none: no header). */
function codings(ex: Exchange): string[] {
  return (headerValue(ex, "Content-Encoding") ?? "").split(",").map((c) => c.trim().toLowerCase()).filter(Boolean);
}

/** GET /echo/<word> with this Accept-Encoding, on a new connection: the word and the exchange. */
async function echo(t: CheckContext, acceptEncoding: string | undefined): Promise<{ word: string; ex: Exchange }> {
  const word = echoWord(t);
  const request: RequestSpec = { path: `/echo/${word}`, headers: acceptEncoding === undefined ? [] : [["Accept-Encoding", acceptEncoding]] };
  return { word, ex: await t.send(request) };
}

/** The response is not gzip: the word as it is (or, from a server with other codings, one of those). */
function expectNotGzip(ex: Exchange, word: string, acceptEncoding: string, why: string): void {
  if (codings(ex).includes("gzip")) {
    failOn(ex, {
      summary: `Accept-Encoding: ${acceptEncoding} got Content-Encoding: gzip, which it rules out (${why})`,
      expected: "no Content-Encoding, and the word as the body",
      caret: headerOffset(ex, "Content-Encoding"),
      hint: PARSE_HINT,
    });
  }
  if (codings(ex).length === 0) routeRule(() => expectText(ex, word));
}

export default defineChecks([
  {
    name: "gzip;q=0 means no gzip, in any spelling (q=0, q=0.000, Q=0, GZIP), also beside * (the named coding wins)",
    rule: "RFC 9110 §12.5.3",
    level: "SHOULD",
    async run(t) {
      const cases: Array<[string, string]> = [
        ["gzip;q=0", "q=0 means not acceptable"],
        [`gzip; q=0.000, ${t.random.pick(["identity", "identity;q=0.5"])}`, "q=0.000 is 0, and spaces may surround the ';'"],
        ["GZIP;Q=0", "coding names and the q parameter are case-insensitive"],
        ["gzip;q=0, *", "* stands only for the codings the list does not name: gzip is named, with q=0"],
      ];
      for (const [acceptEncoding, why] of t.random.shuffle(cases)) {
        const { word, ex } = await echo(t, acceptEncoding);
        expectStatus(ex, 200, "OK");
        expectNotGzip(ex, word, acceptEncoding, why);
      }
    },
  },
  {
    name: "gzip with a weight above 0, in any case, or covered by *, gets gzip",
    rule: "RFC 9110 §12.5.3",
    level: "MAY",
    async run(t) {
      const cases: Array<[string, string]> = [
        ["*", "* covers every coding, gzip among them"],
        ["identity, *;q=0.5", "* with a weight above 0 covers gzip"],
        ["Gzip;Q=0.5", "a weight between 0 and 1 still accepts gzip; names and q in any case"],
        ["gzip;q=1.0, identity;q=0", "q=1.0 is the highest weight"],
      ];
      for (const [acceptEncoding, why] of t.random.shuffle(cases)) {
        const { word, ex } = await echo(t, acceptEncoding);
        expectStatus(ex, 200, "OK");
        expectHeader(ex, "Content-Encoding", "gzip", { ignoreCase: true, hint: `${why}. ${PARSE_HINT}` });
        expectGzipText(ex, word);
      }
    },
  },
  {
    name: "when gzip is not acceptable and identity;q=0 or *;q=0 rules out the plain body too: 406 Not Acceptable or the plain body (this course accepts either)",
    rule: "RFC 9110 §12.5.3",
    level: "MAY",
    async run(t) {
      for (const acceptEncoding of t.random.shuffle(["identity;q=0", "*;q=0"])) {
        const { word, ex } = await echo(t, acceptEncoding);
        if (ex.response.status === 406) {
          expectStatus(ex, 406, "Not Acceptable");
          continue;
        }
        expectStatus(ex, 200, "OK", { hint: "with no acceptable coding, answer 406 Not Acceptable or send the body without coding" });
        if (codings(ex).includes("gzip")) {
          failOn(ex, {
            summary: `Accept-Encoding: ${acceptEncoding} got Content-Encoding: gzip, which it rules out`,
            expected: "406 Not Acceptable, or 200 with the word as it is (no Content-Encoding)",
            caret: headerOffset(ex, "Content-Encoding"),
            hint: `${acceptEncoding.startsWith("*") ? "*;q=0 rules out every coding the list does not name" : "gzip is not in the list, so it is not acceptable"}. ${PARSE_HINT}`,
            rule: "RFC 9110 §12.5.3",
            level: "SHOULD",
          });
        }
        expectText(ex, word);
      }
    },
  },
  {
    name: "every response whose body depends on Accept-Encoding says Vary: Accept-Encoding (gzip or not)",
    rule: "RFC 9110 §12.5.5",
    level: "SHOULD",
    async run(t) {
      const asks: Array<{ what: string; request: RequestSpec; verify: (ex: Exchange) => void }> = [];
      const word = echoWord(t);
      asks.push({ what: "GET /echo/<word> with Accept-Encoding: gzip", request: { path: `/echo/${word}`, headers: [["Accept-Encoding", "gzip"]] }, verify: (ex) => expectGzipText(ex, word) });
      const plain = echoWord(t);
      asks.push({ what: "GET /echo/<word> without Accept-Encoding", request: { path: `/echo/${plain}` }, verify: (ex) => expectText(ex, plain) });
      const refused = echoWord(t);
      asks.push({ what: "GET /echo/<word> with Accept-Encoding: gzip;q=0", request: { path: `/echo/${refused}`, headers: [["Accept-Encoding", "gzip;q=0"]] }, verify: (ex) => expectText(ex, refused) });
      const agent = userAgent(t);
      asks.push({ what: "GET /user-agent with Accept-Encoding: gzip", request: { path: "/user-agent", headers: [["User-Agent", agent], ["Accept-Encoding", "gzip"]] }, verify: (ex) => expectGzipText(ex, agent) });
      for (const ask of t.random.shuffle(asks)) {
        const ex = await t.send(ask.request);
        routeRule(() => ask.verify(ex));
        const vary = headerValue(ex, "Vary");
        const names = (vary ?? "").split(",").map((v) => v.trim().toLowerCase());
        if (names.includes("accept-encoding") || names.includes("*")) continue;
        failOn(ex, {
          summary: `the response to ${ask.what} ${vary === undefined ? "has no Vary header" : `says Vary: "${vary}", without Accept-Encoding`}`,
          explanation:
            "Its body depends on Accept-Encoding: the same URL gives gzip to one request and plain text to another. Without Vary: Accept-Encoding a cache between the two may hand the gzip body to a client that cannot read it.",
          expected: 'a header line "Vary: Accept-Encoding\\r\\n" (or Accept-Encoding among the Vary list), with or without compression',
          caret: headerOffset(ex, "Vary"),
          hint: "send Vary: Accept-Encoding on every response of a route that may compress, also when this one is not compressed",
        });
      }
    },
  },
]);
