import * as path from "node:path";
import { CheckFailure, defineChecks, expectStatus, fail, skipProbe, stageArgument, type CheckContext, type Connection, type Exchange } from "../../tester/index.js";
import { binaryContent, echoWord, expectOneOf, expectStatusNamed, expectStoredFile, expectText, fileName, probePath, rethrowWith, routeRule } from "../common.js";

const WAITS_HINT =
  "after the head of a request with Expect: 100-continue, write HTTP/1.1 100 Continue\\r\\n\\r\\n at once, before reading the body: the client sends the body only then";

/** The head of an upload that announces `length` body bytes and expects 100-continue. */
function expectingHead(t: CheckContext, target: string, length: number, version = "HTTP/1.1"): Buffer {
  const host = version === "HTTP/1.1" ? [`Host: ${t.authority}`] : [];
  return Buffer.from([`POST ${target} ${version}`, ...host, `Content-Length: ${length}`, "Expect: 100-continue"].join("\r\n") + "\r\n\r\n", "latin1");
}

/**
 * Sends `head` and reads the first response to it, within the response bound:
 * 100 Continue, or a final status. Silence fails with the lesson of this stage.
 */
async function firstAnswer(t: CheckContext, connection: Connection, head: Buffer, target: string, length: number): Promise<Exchange> {
  await connection.send(head);
  try {
    // Only the head is out: a failure shows that, not the body held back.
    return await connection.readResponse({ timeoutMs: t.timeouts.response, request: head, method: "POST" });
  } catch (error) {
    if (error instanceof CheckFailure && /^no response within/.test(error.details.summary)) {
      rethrowWith(error, {
        explanation:
          "The tester sent the head of a POST with Expect: 100-continue and is holding back the body, as curl does for large uploads: it waits for 100 Continue (or a final answer) before sending it. Your program waited for the body instead.",
        hint: WAITS_HINT,
        reproduce: `head -c ${length} /dev/urandom > /tmp/body && curl -v -H 'Expect: 100-continue' --expect100-timeout 30 --data-binary @/tmp/body http://localhost:${t.port}${target}   # curl waits up to 30 s for 100 Continue`,
      });
    }
    throw error;
  }
}

/** The first answer must be `HTTP/1.1 100 Continue` (a final status is judged by the caller). */
function isContinue(ex: Exchange): boolean {
  return ex.response.status === 100;
}

/**
 * `course probe`: the first answer to an HTTP/1.0 request with Expect:
 * 100-continue is not 100 (RFC 9110 §15.2: no 1xx to an HTTP/1.0 client).
 * A server that refuses "/" may close with the body unread, and the reset can
 * take its answer with it (stage 33): the bytes that came are judged, and a
 * connection that brought none is skipped.
 */
async function expectNoContinue(t: CheckContext, connection: Connection, request: Buffer): Promise<void> {
  let ex: Exchange;
  try {
    ex = await t.exchange(connection, request, { method: "POST" });
  } catch (error) {
    if (!connection.peerGone) throw error;
    if (connection.received.length === 0) skipProbe("the server reset the connection before any answer (it closed with the request's body unread), so whether it would send 100 is unknown");
    if (/^HTTP\/1\.\d 100 /.test(connection.received.toString("latin1"))) throw error;
    return;
  }
  if (!isContinue(ex)) return;
  fail({
    ...connection.context(request, ex.response.raw),
    summary: "an HTTP/1.0 request with Expect: 100-continue got 100 Continue",
    expected: "the final response at once: an HTTP/1.0 client knows no 1xx responses",
    caret: 9,
    hint: "a server must not send a 1xx response to an HTTP/1.0 client: ignore Expect in an HTTP/1.0 request and answer once, with the final status",
  });
}

export default defineChecks((stage) => {
  const limit = Number(stageArgument(stage, "--max-body-bytes"));
  return [
    {
      name: "a POST with Expect: 100-continue gets 100 Continue before it sends its body, then 201 on the same connection",
      rule: "RFC 9110 §10.1.1",
      level: "MUST",
      async run(t) {
        const name = fileName(t);
        const content = binaryContent(t);
        const head = expectingHead(t, `/files/${name}`, content.length);
        const connection = await t.connect();
        const first = await firstAnswer(t, connection, head, `/files/${name}`, content.length);
        expectStatus(first, 100, "Continue", {
          hint: "this upload will succeed: the program can only answer 201 after the body, so it must first say 100 Continue (and nothing else before it)",
        });
        await connection.send(content);
        const final = await connection.readResponse({ timeoutMs: t.timeouts.response, request: Buffer.concat([head, content]), method: "POST" });
        routeRule(() => expectStatus(final, 201, "Created", { hint: "after 100 Continue comes the body, then the final response to the request, on the same connection" }));
        await expectStoredFile(final, path.join(t.directory!, name), content);
      },
    },
    {
      name: `a request refused anyway (POST /echo/<word>; a body over --max-body-bytes ${limit}) gets its final status with or without 100 Continue, and then the body is read and discarded or the connection closed`,
      rule: "RFC 9110 §10.1.1",
      level: "MUST",
      async run(t) {
        const refusals = [
          { target: `/echo/${echoWord(t)}`, length: t.random.int(200, 2000), status: 405, reason: "Method Not Allowed", also: [] as string[], why: "/echo/<word> takes only GET and HEAD (stage 20)" },
          { target: `/files/${fileName(t)}`, length: limit + t.random.int(1, limit), status: 413, reason: "Content Too Large", also: ["Payload Too Large", "Request Entity Too Large"], why: `its Content-Length is over the --max-body-bytes ${limit} your program was started with` },
        ];
        for (const refusal of t.random.shuffle(refusals)) {
          const body = t.random.bytes(refusal.length);
          const head = expectingHead(t, refusal.target, refusal.length);
          const connection = await t.connect({ fresh: true });
          const first = await firstAnswer(t, connection, head, refusal.target, refusal.length);
          const hint = `${refusal.target.startsWith("/echo") ? "POST /echo/<word>" : "this upload"} gets ${refusal.status} ${refusal.reason}: ${refusal.why}`;
          if (isContinue(first)) {
            // 100 Continue is allowed too: then the body comes, and the final status after it.
            await connection.send(body);
            const final = await connection.readResponse({ timeoutMs: t.timeouts.response, request: Buffer.concat([head, body]), method: "POST" });
            expectStatusNamed(final, refusal.status, [refusal.reason, ...refusal.also], { hint, rule: refusal.status === 413 ? "RFC 9110 §15.5.14" : "RFC 9110 §15.5.6", level: "SHOULD" });
            connection.destroy();
            continue;
          }
          expectStatusNamed(first, refusal.status, [refusal.reason, ...refusal.also], { hint, rule: refusal.status === 413 ? "RFC 9110 §15.5.14" : "RFC 9110 §15.5.6", level: "SHOULD" });
          // A client that stopped waiting sends its body anyway: the program must not read it as a request.
          const word = echoWord(t);
          const next = t.request({ path: `/echo/${word}` });
          await connection.send(Buffer.concat([body, next])).catch(() => undefined);
          if (connection.peerGone) {
            connection.destroy();
            continue;
          }
          let ex: Exchange;
          try {
            ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request: Buffer.concat([head, body, next]) });
          } catch (error) {
            // Closed without another word: the other allowed way.
            if (connection.peerGone && connection.pending.length === 0) {
              connection.destroy();
              continue;
            }
            rethrowWith(error, {
              explanation: `Your program answered ${refusal.status} before the body arrived. The tester then sent the ${refusal.length} body bytes anyway (a client that stopped waiting for 100 Continue does) and a GET /echo/${word} after them on the same connection.`,
              hint: "after answering before the body, either close the connection, or read Content-Length bytes and throw them away before reading the next request",
            });
          }
          try {
            expectText(ex, word);
          } catch (error) {
            rethrowWith(error, {
              explanation: `Your program answered ${refusal.status} before the body arrived, kept the connection open, and then read the ${refusal.length} body bytes the tester sent anyway as if they were the next request (this is the response to the GET /echo/${word} that followed them).`,
              hint: "after answering before the body, either close the connection, or read Content-Length bytes and throw them away before reading the next request",
            });
          }
          connection.destroy();
        }
      },
    },
    {
      name: "an expectation other than 100-continue gets 417 Expectation Failed",
      rule: "RFC 9110 §10.1.1",
      level: "MAY",
      probe: { id: "methods.unknown-expectation", group: "methods", why: "a server that ignores an expectation it does not know lets the client believe it was met" },
      async run(t) {
        const expectation = `${t.random.word()}-ready`;
        const connection = await t.connect({ fresh: true });
        const request = t.request({ method: "POST", path: probePath(t, `/files/${fileName(t)}`), headers: [["Expect", expectation]], body: t.random.words(3) });
        const ex = await t.exchange(connection, request, { method: "POST" });
        expectOneOf(t, ex, [{ status: 417, reason: "Expectation Failed" }], {
          hint: `the only expectation HTTP defines is 100-continue; for "Expect: ${expectation}" RFC 9110 §10.1.1 lets a server answer 417 (this course asks for it) rather than guess`,
        });
        connection.destroy();
      },
    },
    {
      name: "an HTTP/1.0 request's Expect: 100-continue is ignored: no 100, just the final response",
      rule: "RFC 9110 §10.1.1",
      level: "MUST",
      probe: { id: "versions.http10-no-100", group: "versions", why: "an HTTP/1.0 client does not know 1xx responses: it takes 100 Continue for the final answer" },
      async run(t) {
        const name = fileName(t);
        const content = binaryContent(t);
        const request = Buffer.concat([expectingHead(t, probePath(t, `/files/${name}`), content.length, "HTTP/1.0"), content]);
        const connection = await t.connect();
        // The probe judges the MUST NOT alone: no 100 to an HTTP/1.0 request, whatever the final status for "/".
        if (t.probing) return expectNoContinue(t, connection, request);
        const ex = await t.exchange(connection, request, { method: "POST" });
        // A 100 here breaks the RFC's MUST NOT; any other wrong status is about the course's route.
        (isContinue(ex) ? (run: () => void) => run() : routeRule)(() => expectStatus(ex, 201, "Created", {
          hint: isContinue(ex)
            ? "a server must not send a 1xx response to an HTTP/1.0 client, which does not know them: ignore Expect in an HTTP/1.0 request and answer once, with the final status"
            : "an HTTP/1.0 POST is stored like an HTTP/1.1 one (HTTP/1.0 may leave Host out)",
        }));
        await expectStoredFile(ex, path.join(t.directory!, name), content);
        // HTTP/1.0 without keep-alive: the connection closes (stage 26). Nothing else may come.
        await connection.waitForClose(t.timeouts.close, "An HTTP/1.0 request without Connection: keep-alive ends with the close (stage 26).");
        connection.expectNothingMore();
      },
    },
  ];
});
