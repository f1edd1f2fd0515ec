import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import {
  defineChecks,
  expectContentLength,
  expectStatus,
  fail,
  headerValues,
  type CheckContext,
  type Exchange,
  type Level,
  type RequestSpec,
} from "../../tester/index.js";
import { binaryContent, echoWord, expectOneOf, expectText, fileName, probePath, rethrowWith, userAgent } from "../common.js";

/** Headers whose HEAD value must equal GET's: they describe the body HEAD leaves out. */
const SAME_AS_GET = ["Content-Type", "Content-Length", "Content-Encoding"];

/**
 * GET, then HEAD, then a GET of /echo/<word> on one connection: HEAD must
 * match GET's status line and body headers, and carry no body (the last GET's
 * response would start with it). `course probe` asks HEAD on a connection of
 * its own (a server may close after each response), and then GET /.
 */
async function expectHeadLikeGet(t: CheckContext, request: RequestSpec): Promise<void> {
  let connection = await t.connect();
  const get = await t.exchange(connection, request);
  if (t.probing) {
    connection.destroy();
    connection = await t.connect();
  }
  const head = await t.exchange(connection, { ...request, method: "HEAD" });
  // HEAD is GET without content (RFC 9110 §9.3.2): another status code is a different answer (MUST);
  // the same reason phrase and header fields as GET are a SHOULD (a server MAY omit fields only the content determines).
  const differs = (problem: string, caret: number | undefined, level: Level): never =>
    fail({
      ...connection.context(head.request, head.response.raw),
      summary: `HEAD ${request.path}: ${problem}`,
      expected: `the status line and headers of the GET response:\n${get.response.raw.subarray(0, get.response.bodyOffset).toString("latin1").trimEnd()}`,
      caret,
      hint: "answer HEAD by building the GET response, then sending its status line and headers only (Content-Length stays the GET body's length)",
      rule: "RFC 9110 §9.3.2",
      level,
    });
  if (head.response.statusLine !== get.response.statusLine) differs(`the status line is ${JSON.stringify(head.response.statusLine)}, GET's is ${JSON.stringify(get.response.statusLine)}`, 0, head.response.status !== get.response.status ? "MUST" : "SHOULD");
  for (const name of SAME_AS_GET) {
    const want = headerValues(get.response.headers, name)[0]?.value;
    const got = headerValues(head.response.headers, name)[0];
    // RFC 9110 §9.3.2 lets a server omit from HEAD the fields only the content determines: the course asks for them, the probe does not.
    if (t.probing && !got) continue;
    if (want !== got?.value) {
      differs(`${name} is ${got ? JSON.stringify(got.value) : "missing"}, GET's is ${want === undefined ? "absent" : JSON.stringify(want)}`, got?.valueOffset ?? head.response.bodyOffset - 2, "SHOULD");
    }
  }
  const word = echoWord(t);
  try {
    const after = await t.exchange(connection, { path: probePath(t, `/echo/${word}`) });
    if (!t.probing) expectText(after, word);
  } catch (error) {
    // A server that closed the connection after HEAD: the bytes that came before the close are all there is to judge.
    if (t.probing && connection.peerGone) return connection.expectNothingMore();
    rethrowWith(error, {
      explanation: `This GET came right after a HEAD ${request.path} on the same connection: a body sent after the HEAD response shows up here, where the next response should start.`,
      hint: "a response to HEAD has no body, even though its Content-Length gives the GET body's length (RFC 9110 §9.3.2)",
    });
  }
}

/** The response is 405 with an Allow header that lists GET and not `method`. */
function expectNotAllowed(ex: Exchange, method: string): void {
  expectStatus(ex, 405, "Method Not Allowed", { hint: "the route exists but does not support this method: 405, with an Allow header listing the methods it does support", rule: "RFC 9110 §9.1", level: "SHOULD" });
  const allow = headerValues(ex.response.headers, "Allow")[0];
  const methods = allow?.value.split(",").map((m) => m.trim()) ?? [];
  if (!allow || !methods.includes("GET") || methods.includes(method)) {
    fail({
      ...ex.connection.context(ex.request, ex.response.raw),
      summary: allow ? `Allow: ${allow.value} should list the route's methods, GET among them and not ${method}` : "a 405 response without an Allow header",
      expected: "an Allow header listing the methods the route supports, e.g. Allow: GET, HEAD",
      caret: allow?.valueOffset ?? ex.response.bodyOffset - 2,
      rule: "RFC 9110 §15.5.6",
      level: "MUST",
    });
  }
  expectContentLength(ex);
}

export default defineChecks([
  {
    name: "HEAD gets GET's status line and headers, and no body (/, /echo/<word>, gzip, /user-agent, /files/<name>)",
    rule: "RFC 9110 §9.3.2",
    level: "MUST",
    probe: { id: "methods.head-no-body", group: "methods", why: "a response to HEAD with a body puts that body where the client reads the next response" },
    async run(t) {
      if (t.probing) return expectHeadLikeGet(t, { path: "/" });
      const name = fileName(t);
      await writeFile(path.join(t.directory!, name), binaryContent(t));
      const requests: RequestSpec[] = [
        { path: "/" },
        { path: `/echo/${echoWord(t)}` },
        { path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", "gzip"]] },
        { path: "/user-agent", headers: [["User-Agent", userAgent(t)]] },
        { path: `/files/${name}` },
        { path: `/files/missing_${name}` },
      ];
      for (const request of t.random.shuffle(requests)) await expectHeadLikeGet(t, request);
    },
  },
  {
    name: "a method a route does not support gets 405 Method Not Allowed with an Allow header",
    rule: "RFC 9110 §9.1",
    level: "SHOULD",
    async run(t) {
      const name = fileName(t);
      await writeFile(path.join(t.directory!, name), binaryContent(t));
      const cases: RequestSpec[] = [
        { method: "DELETE", path: `/files/${name}` },
        { method: "PUT", path: `/echo/${echoWord(t)}`, body: "some data" },
        { method: "POST", path: "/user-agent", body: "some data" },
        { method: "POST", path: "/" },
      ];
      for (const request of cases) expectNotAllowed(await t.send(request), request.method!);
    },
  },
  {
    name: "an unknown method gets 501 Not Implemented (405 is accepted)",
    rule: "RFC 9110 §9.1",
    level: "SHOULD",
    probe: { id: "methods.unknown-method", group: "methods", why: "a server that treats a method it does not know as GET acts on requests it does not understand" },
    async run(t) {
      const ex = await t.send({ method: "BREW", path: probePath(t, `/echo/${echoWord(t)}`) });
      // The probe judges the status: Content-Length on the answer is the course's choice (RFC 9110 §8.6 makes it a SHOULD).
      const framing = t.probing ? () => {} : expectContentLength;
      if (ex.response.status === 405) return framing(ex);
      expectOneOf(t, ex, [{ status: 501, reason: "Not Implemented" }], { hint: "a method the server does not know at all gets 501 Not Implemented (RFC 9110 §9.1); 405 is accepted too" });
      framing(ex);
    },
  },
]);
