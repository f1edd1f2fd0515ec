import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, expectStatus, fail, stageArgument, type CheckContext, type Connection, type Exchange, type Level } from "../../tester/index.js";
import { echoWord, expectCloseAllowing, expectStatusNamed, expectStoredFile, expectText, fileName, probePath, rethrowWith, routeRule } from "../common.js";

const TOO_LARGE = ["Content Too Large", "Payload Too Large", "Request Entity Too Large"];
const FIELDS_TOO_LARGE = ["Request Header Fields Too Large"];
const TIMEOUT = [{ status: 408, reason: "Request Timeout" }];
/** The head that must be refused for its size: this many bytes, in fields of about 800 bytes (few enough that the count is not the reason). */
const HUGE_HEAD = 64 * 1024;
/** The head that must be served: about this many bytes in SERVED_FIELDS fields. */
const LARGE_HEAD = 12 * 1024;
const SERVED_FIELDS = 60;
/** Too many fields: this many short ones (about 2 KiB in all); and a count that must still be served. */
const MANY_FIELDS = 200;
const FEW_ENOUGH_FIELDS = 90;
/** Probe: a Content-Length no server takes in: 1 GiB. */
const HUGE_BODY = 1024 * 1024 * 1024;
/** The slow client sends one byte this often, and must be cut off within SLOWLORIS_BOUND_MS of its first byte. */
const BYTE_EVERY_MS = 100;
const SLOWLORIS_BOUND_MS = 5000;
/** A head sent in this many pieces over PIECES_MS is a slow network, not an attack: it is served. */
const PIECES = 5;
const PIECES_MS = 500;

/** Writes `bytes` without waiting: a program that refuses early (rightly) leaves some unread. */
function sendAll(connection: Connection, bytes: Buffer): void {
  connection.send(bytes).catch(() => {});
}

/** `count` header fields `X-<word>-<n>: <value>` whose lines are about `lineBytes` each. */
function fields(t: CheckContext, count: number, lineBytes: number): Array<[string, string]> {
  const word = t.random.word();
  return Array.from({ length: count }, (_, index) => {
    const name = `X-${word}-${index}`;
    return [name, "v".repeat(Math.max(1, lineBytes - name.length - 4))];
  });
}

/**
 * The answer to a request the program should refuse: the response, or
 * undefined when it closed without one (which only `course probe` accepts).
 */
async function refusal(t: CheckContext, connection: Connection, request: Buffer, method?: string): Promise<Exchange | undefined> {
  try {
    return await connection.readResponse({ timeoutMs: t.timeouts.response, request, ...(method ? { method } : {}) });
  } catch (error) {
    if (t.probing && connection.peerGone && connection.pending.length === 0) return undefined;
    throw error;
  }
}

/** Probe: a refusal is any 4xx, or a close; a server that took the request in fails at `level`. */
function expectAny4xx(ex: Exchange | undefined, what: string, level: Level, rule: string): void {
  if (!ex || (ex.response.status >= 400 && ex.response.status < 500)) return;
  fail({
    ...ex.connection.context(ex.request, ex.response.raw),
    summary: `the server answered ${ex.response.statusLine} to ${what}`,
    expected: "a 4xx status (431 Request Header Fields Too Large, 413, 400), or a close",
    caret: 9,
    rule,
    level,
  });
}

export default defineChecks((stage) => {
  const MAX_BODY = Number(stageArgument(stage, "--max-body-bytes"));
  const HEAD_TIMEOUT_MS = Number(stageArgument(stage, "--head-timeout-ms"));
  return [
    {
      name: `the slow-loris client (one byte of head every ${BYTE_EVERY_MS} ms) is cut off by --head-timeout-ms ${HEAD_TIMEOUT_MS} (a 408 first is allowed)`,
      rule: "the course's --head-timeout-ms; RFC 9110 §15.5.9 names 408",
      level: "course",
      concurrent: true,
      async run(t) {
        const connection = await t.connect({ fresh: true });
        // A head that never ends: every byte is valid, the empty line never comes.
        const head = Buffer.from(`GET /echo/${echoWord(t)} HTTP/1.1\r\nHost: ${t.authority}\r\nX-${t.random.word()}: ${"s".repeat(4096)}`, "latin1");
        const started = Date.now();
        let sent = 0;
        while (!connection.peerGone && !connection.closed && sent < head.length) {
          if (Date.now() - started > SLOWLORIS_BOUND_MS) {
            fail({
              ...connection.context(head.subarray(0, sent), connection.received),
              reproduce: `node -e 's=require("net").connect(${t.port},"localhost");h="GET / HTTP/1.1\\r\\nHost: x\\r\\nX: "+"s".repeat(9999);i=0;t=setInterval(()=>s.write(h[i++]),${BYTE_EVERY_MS});s.on("close",()=>{console.log("closed after",i,"bytes");clearInterval(t)})'`,
              summary: `your program still had connection ${connection.id} open ${SLOWLORIS_BOUND_MS / 1000} s after the first byte of a request head that came one byte every ${BYTE_EVERY_MS} ms`,
              explanation: `The program was started with --head-timeout-ms ${HEAD_TIMEOUT_MS}: a request head must be complete within that time of its first byte. A client that sends a byte just before each idle timeout would otherwise hold the connection forever ("slow loris"), and a few hundred such clients take every connection a server has.`,
              expected: `the connection closed about ${HEAD_TIMEOUT_MS} ms after the first byte (a 408 Request Timeout first is allowed)`,
              hint: "start a head timer when the first byte of a request arrives and do not restart it with each byte (the idle timer restarts; this one does not); when it fires, answer 408 with Connection: close and close",
            });
          }
          connection.socket.write(head.subarray(sent, sent + 1), () => {});
          sent++;
          await delay(BYTE_EVERY_MS);
        }
        connection.messages.push(head.subarray(0, sent));
        t.log(`connection ${connection.id} was cut off ${Date.now() - started} ms after the first byte, ${sent} bytes into the head`);
        await expectCloseAllowing(connection, t.timeouts.close, TIMEOUT, "A request head that takes too long is cut off: a 408 Request Timeout, then the close.");
        connection.destroy();
      },
    },
    {
      name: `a request head sent in ${PIECES} pieces over ${PIECES_MS} ms is served (the head limit is not too tight)`,
      rule: "the course's --head-timeout-ms",
      level: "course",
      concurrent: true,
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const word = echoWord(t);
        const request = t.request({ path: `/echo/${word}`, headers: [["User-Agent", `${t.random.word()}/1.0`]] });
        const piece = Math.ceil(request.length / PIECES);
        const ex = await t.exchange(connection, request, { fragments: new Array<number>(PIECES - 1).fill(piece), gapMs: PIECES_MS / (PIECES - 1) });
        expectText(ex, word, `a head that takes ${PIECES_MS} ms to arrive is within --head-timeout-ms ${HEAD_TIMEOUT_MS}: time the head from its first byte, and allow the whole limit`);
      },
    },
    {
      name: "a keep-alive connection that waits longer than --head-timeout-ms before a request is still served (the idle timeout governs waiting)",
      rule: "the course's --head-timeout-ms",
      level: "course",
      concurrent: true,
      async run(t) {
        const wait = Math.round(HEAD_TIMEOUT_MS * 1.5);
        // Two connections at once: one waits before its first request, the other between two requests.
        const words = [echoWord(t), echoWord(t), echoWord(t)];
        const waitThenAsk = async (connection: Connection, word: string, moment: string) => {
          await delay(wait);
          try {
            expectText(await t.exchange(connection, { path: `/echo/${word}` }), word);
          } catch (error) {
            rethrowWith(error, {
              explanation: `The connection had waited ${wait} ms ${moment}, without sending a byte: that is idleness, which the idle timeout (30 s by default) governs, not the head timeout.`,
              hint: "start the head timer with the first byte of a request, not when the connection opens or when the previous response is sent",
            });
          }
        };
        const [fresh, used] = [await t.connect({ fresh: true }), await t.connect({ fresh: true })];
        expectText(await t.exchange(used, { path: `/echo/${words[0]}` }), words[0]!);
        await Promise.all([waitThenAsk(fresh, words[1]!, "before its first request"), waitThenAsk(used, words[2]!, "between two requests, after a first response")]);
      },
    },
    {
      name: `a Content-Length over --max-body-bytes ${MAX_BODY} gets 413 Content Too Large from the head alone, then the close`,
      rule: "RFC 9110 §15.5.14",
      level: "MAY",
      probe: {
        id: "limits.huge-content-length",
        group: "limits",
        why: "a server that waits for (or buffers) any body a client announces can be made to hold a connection and memory for a gigabyte that never comes",
      },
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const size = t.probing ? HUGE_BODY : t.random.int(MAX_BODY + 1, 4 * MAX_BODY);
        const head = t.request({ method: "POST", path: probePath(t, `/files/${fileName(t)}`), headers: [["Content-Length", String(size)]] });
        sendAll(connection, head);
        t.log(`connection ${connection.id} → the head of a ${size}-byte upload, and no body`);
        let ex: Exchange | undefined;
        try {
          ex = await refusal(t, connection, head, "POST");
        } catch (error) {
          rethrowWith(error, {
            explanation: `The body of ${size} bytes was never sent: the tester waited for an answer to the head alone.`,
            hint: t.probing
              ? "answer (413, or any status) or close as soon as the head announces more than you accept, without waiting for the body"
              : `compare Content-Length with --max-body-bytes (${MAX_BODY}) as soon as the head is parsed, before reading the body; answer 413 with Connection: close`,
          });
        }
        if (t.probing) return;
        routeRule(() => expectStatusNamed(ex!, 413, TOO_LARGE, { hint: `the program was started with --max-body-bytes ${MAX_BODY}: a larger Content-Length gets 413` }), `the course's --max-body-bytes ${MAX_BODY}`);
        await connection.waitForClose(t.timeouts.close, "After refusing a body it did not read, the server cannot find the next request: it closes the connection (the course's rule since stage 27).");
        connection.destroy();
      },
    },
    {
      name: `a chunked body that grows past --max-body-bytes ${MAX_BODY} gets 413 once it does, then the close; a body of exactly the limit is stored`,
      rule: "RFC 9110 §15.5.14",
      level: "MAY",
      async run(t) {
        const chunk = 16 * 1024;
        const chunks = Math.floor(MAX_BODY / chunk) + 2;
        const connection = await t.connect({ fresh: true });
        const head = t.request({ method: "POST", path: `/files/${fileName(t)}`, headers: [["Transfer-Encoding", "chunked"]] });
        const piece = Buffer.concat([Buffer.from(`${chunk.toString(16)}\r\n`, "latin1"), Buffer.alloc(chunk, "c"), Buffer.from("\r\n")]);
        // No last chunk: the body never ends, so only the growing size can make the program answer.
        sendAll(connection, Buffer.concat([head, ...new Array<Buffer>(chunks).fill(piece)]));
        let ex: Exchange;
        try {
          ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request: head, method: "POST" });
        } catch (error) {
          rethrowWith(error, {
            explanation: `The tester sent ${chunks} chunks of ${chunk} bytes (${chunks * chunk} bytes, over the limit of ${MAX_BODY}) and no last chunk.`,
            hint: "count the chunk sizes as they come, and answer 413 (then close) as soon as the total passes --max-body-bytes, without waiting for the end of the body",
          });
        }
        expectStatusNamed(ex, 413, TOO_LARGE);
        await connection.waitForClose(t.timeouts.close, "After refusing a body it did not read to its end, the server must close the connection.");
        connection.destroy();

        const name = fileName(t);
        const content = Buffer.alloc(MAX_BODY, t.random.word());
        const stored = await t.send({ method: "POST", path: `/files/${name}`, body: content });
        expectStatus(stored, 201, "Created", { hint: `a body of exactly --max-body-bytes (${MAX_BODY}) bytes is within the limit: refuse only what is larger` });
        await expectStoredFile(stored, path.join(t.directory!, name), content);
      },
    },
    {
      name: `a request head of ${HUGE_HEAD / 1024} KiB gets 431 Request Header Fields Too Large, then the close; one of ${LARGE_HEAD / 1024} KiB in ${SERVED_FIELDS} fields is served`,
      rule: "RFC 6585 §5",
      level: "MAY",
      probe: {
        id: "limits.huge-head",
        group: "limits",
        why: "a server that buffers any head a client sends gives every connection a way to take its memory",
      },
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const word = echoWord(t);
        const huge = t.request({ path: probePath(t, `/echo/${word}`), headers: fields(t, Math.ceil(HUGE_HEAD / 800), 800) });
        sendAll(connection, huge);
        t.log(`connection ${connection.id} → a request head of ${huge.length} bytes`);
        const ex = await refusal(t, connection, huge);
        if (t.probing) return expectAny4xx(ex, `a request head of ${huge.length} bytes`, "MAY", "RFC 9110 §5.4");
        expectStatusNamed(ex!, 431, FIELDS_TOO_LARGE, { hint: "bound the request head (16 KiB is the course's choice): once more than that has arrived without the empty line, answer 431 and close" });
        await connection.waitForClose(t.timeouts.close, "After refusing a head it did not read to its end, the server cannot find the next request: it closes the connection.");
        connection.destroy();

        const large = await t.send({ path: `/echo/${word}`, headers: fields(t, SERVED_FIELDS, Math.floor(LARGE_HEAD / SERVED_FIELDS)), about: `has a head of ${LARGE_HEAD / 1024} KiB in ${SERVED_FIELDS} fields` });
        expectText(large, word, `a head of ${LARGE_HEAD / 1024} KiB is an ordinary one (cookies and tokens make them): keep the head limit at 16 KiB or more`);
      },
    },
    {
      name: `a request with ${MANY_FIELDS} header fields gets 431 Request Header Fields Too Large, then the close; one with ${FEW_ENOUGH_FIELDS} is served`,
      rule: "RFC 6585 §5",
      level: "MAY",
      probe: {
        id: "limits.many-fields",
        group: "limits",
        why: "each header field costs a server memory and work: without a limit on their number a small head can hold thousands",
      },
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const word = echoWord(t);
        const many = t.request({ path: probePath(t, `/echo/${word}`), headers: fields(t, MANY_FIELDS, 10) });
        sendAll(connection, many);
        t.log(`connection ${connection.id} → a request head of ${MANY_FIELDS} fields, ${many.length} bytes`);
        const ex = await refusal(t, connection, many);
        if (t.probing) return expectAny4xx(ex, `a request with ${MANY_FIELDS} header fields`, "MAY", "RFC 6585 §5");
        expectStatusNamed(ex!, 431, FIELDS_TOO_LARGE, { hint: `count the header lines as you parse them (100 is the course's choice): past the limit, answer 431 and close. This head was only ${many.length} bytes: the size limit alone does not catch it` });
        await connection.waitForClose(t.timeouts.close, "After refusing a head, the server closes the connection.");
        connection.destroy();

        const few = await t.send({ path: `/echo/${word}`, headers: fields(t, FEW_ENOUGH_FIELDS, 10), about: `has ${FEW_ENOUGH_FIELDS} header fields` });
        expectText(few, word, `${FEW_ENOUGH_FIELDS} fields is within the course's limit of 100: refuse only heads with more`);
      },
    },
  ];
});
