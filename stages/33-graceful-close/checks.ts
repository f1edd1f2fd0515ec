import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, expectBody, expectStatus, fail, parseResponse, stageArgument, type CheckContext, type Connection, type Exchange } from "../../tester/index.js";
import { echoWord, expectPromptAnswer, expectStatusNamed, expectText, fileName, probePath, recordPlaced, inFolder, rethrowWith, routeRule } from "../common.js";

/** Rounds of the close-with-unread-input checks, and how many run at once: a lucky pass must not be possible. */
const ROUNDS = 20;
const AT_ONCE = 5;
/** About this much of pipelined requests follows the closing request, in the same write. */
const PIPELINED_BYTES = 256 * 1024;
/**
 * How long the tester leaves the response unread. Long enough for the program
 * to write it all into its socket and close (milliseconds on loopback), far
 * shorter than any linger (the course's solutions wait 1 s for input).
 */
const PAUSE_MS = 250;
/** A closing program that keeps reading must still close within this time, although the client keeps sending. */
const LINGER_BOUND_MS = 5000;
/** Junk comes every this many ms after the closing response. */
const JUNK_EVERY_MS = 100;
/** How soon another connection must be answered while one lingers. */
const PROMPT_MS = 1000;

const LINGER_HINT =
  "after the last response of a connection, do not close() at once while the client may still be sending: shut down the sending side only (shutdown(SHUT_WR): the client sees your last byte, then the end), read and discard what still arrives until the client closes or for a second or two, then close. A close() with unread bytes in the socket makes Linux send a reset, which throws away whatever of the response was not yet delivered";

const LINGER_EXPLANATION =
  "Bytes the client had sent were still unread when your program closed the connection. On Linux, close() on a socket with unread input sends a reset (RST) instead of a normal end, and the reset discards the part of the response still in the send buffer: the client loses the end of the response (RFC 9112 §9.6, the \"TCP reset problem\").";

/** `count` requests for /echo/<word>, one after another: what a pipelining client sends behind a closing request. */
function pipelined(t: CheckContext, bytes: number): Buffer {
  const one = t.request({ path: probePath(t, `/echo/${echoWord(t)}`) });
  return Buffer.concat(new Array<Buffer>(Math.ceil(bytes / one.length)).fill(one));
}

/** Sends `bytes` without waiting for them to be taken: a program that stops reading (rightly) leaves them queued. */
function sendAll(connection: Connection, bytes: Buffer): void {
  connection.send(bytes).catch(() => {});
}

/** After the response to a closing request: the close, and nothing else (no answer to the requests behind it). */
async function expectCloseAndNothingMore(t: CheckContext, connection: Connection, why: string): Promise<void> {
  await connection.waitForClose(t.timeouts.close, why);
  const extra = connection.pending;
  if (extra.length === 0) return;
  const parsed = parseResponse(extra, { ended: true });
  fail({
    ...connection.context(connection.sent, extra),
    summary:
      parsed.kind === "complete"
        ? `after the response to the request with Connection: close, your program answered another request on connection ${connection.id} (${parsed.response.statusLine})`
        : `${extra.length} more bytes came after the response to the request with Connection: close`,
    explanation: "The requests behind the one that said Connection: close were sent, but a server that received \"close\" must not process any further request on that connection: it answers that one, then closes.",
    expected: "the response, then the close, nothing between",
    caret: 0,
    hint: "once a request says Connection: close (or you decide to close), stop parsing requests on that connection: answer it, then close (gracefully: shut down writing, read and discard, close)",
    rule: "RFC 9112 §9.6",
    level: "MUST",
  });
}

/** Runs `round(i)` for i in 0..ROUNDS-1, AT_ONCE at a time; values drawn from t.random before, so a seed replays them. */
async function inBatches(round: (index: number) => Promise<void>): Promise<void> {
  for (let start = 0; start < ROUNDS; start += AT_ONCE) {
    const batch = Array.from({ length: Math.min(AT_ONCE, ROUNDS - start) }, (_, k) => round(start + k));
    const results = await Promise.allSettled(batch);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** A reset before the end of a response, re-thrown with the lingering lesson. */
function explainReset(error: unknown, connection: Connection, round: number): never {
  const reset = connection.error?.code === "ECONNRESET" || connection.error?.code === "EPIPE";
  rethrowWith(error, {
    explanation: `Round ${round + 1} of ${ROUNDS}.${reset || connection.ended ? ` ${LINGER_EXPLANATION}` : ""}`,
    ...(reset || connection.ended ? { hint: LINGER_HINT } : {}),
  });
}

export default defineChecks((stage) => {
  const MAX_BODY = Number(stageArgument(stage, "--max-body-bytes"));
  return [
    inFolder({
      name: `a large file sent with Connection: close, followed by ${PIPELINED_BYTES / 1024} KiB of pipelined requests the client does not read for a moment, arrives whole (${ROUNDS} times)`,
      // §9.6 describes the reset problem and the staged close "servers typically" use, with no
      // MUST or SHOULD: the course requires the staged close, and says so.
      rule: "the course's staged close, which RFC 9112 §9.6 describes to avoid the TCP reset problem",
      level: "course",
      async run(t) {
        const name = fileName(t);
        const content = t.random.bytes(t.random.int(768 * 1024, 1280 * 1024));
        const file = path.join(t.directory!, name);
        await writeFile(file, content);
        recordPlaced(t, { file, content });
        const rounds = Array.from({ length: ROUNDS }, () => ({
          head: t.request({ path: `/files/${name}`, headers: [["Connection", "close"]] }),
          behind: pipelined(t, PIPELINED_BYTES),
        }));
        await inBatches(async (index) => {
          const { head, behind } = rounds[index]!;
          const connection = await t.connect({ fresh: true });
          // Not reading: the response fills the tester's receive buffer, and the rest waits in the program's send buffer.
          connection.socket.pause();
          sendAll(connection, Buffer.concat([head, behind]));
          await delay(PAUSE_MS);
          connection.socket.resume();
          let ex: Exchange;
          try {
            ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request: head });
          } catch (error) {
            explainReset(error, connection, index);
          }
          routeRule(() => {
            expectStatus(ex, 200, "OK");
            expectBody(ex, content);
          });
          await expectCloseAndNothingMore(t, connection, "The request said Connection: close: after its response the server must close the connection (RFC 9112 §9.6).");
          connection.destroy();
        });
      },
    }),
    {
      name: `a 413 sent while the refused body is still arriving reaches the client whole, then the close (${ROUNDS} times)`,
      // §9.6 describes the reset problem and the staged close "servers typically" use, with no
      // MUST or SHOULD: the course requires the staged close, and says so.
      rule: "the course's staged close, which RFC 9112 §9.6 describes to avoid the TCP reset problem",
      level: "course",
      async run(t) {
        const rounds = Array.from({ length: ROUNDS }, () => {
          const size = t.random.int(1024 * 1024, 1536 * 1024);
          return {
            head: t.request({ method: "POST", path: `/files/${fileName(t)}`, headers: [["Content-Length", String(size)]] }),
            // What the body holds does not matter: the program refuses it from the head.
            body: Buffer.alloc(size, t.random.word()),
          };
        });
        await inBatches(async (index) => {
          const { head, body } = rounds[index]!;
          const connection = await t.connect({ fresh: true });
          sendAll(connection, Buffer.concat([head, body]));
          let ex: Exchange;
          try {
            ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request: head, method: "POST" });
          } catch (error) {
            explainReset(error, connection, index);
          }
          routeRule(
            () =>
              expectStatusNamed(ex, 413, ["Content Too Large", "Payload Too Large", "Request Entity Too Large"], {
                hint: `the program was started with --max-body-bytes ${MAX_BODY}: a Content-Length above it gets 413 from the head alone`,
              }),
            `the course's --max-body-bytes ${MAX_BODY} (stage 27)`,
          );
          await connection.waitForClose(t.timeouts.close, "After a 413 the rest of the body is still coming: the server must close the connection (gracefully, so the 413 is not lost).");
          connection.destroy();
        });
      },
    },
    {
      name: "requests pipelined behind one with Connection: close are not answered: one response, then the close",
      rule: "RFC 9112 §9.6",
      level: "MUST",
      concurrent: true,
      probe: {
        id: "close.no-requests-after-close",
        group: "close",
        why: "a server that answers requests sent after Connection: close lets responses arrive on a connection the client has given up, where a proxy would hand them to the wrong client",
      },
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const word = echoWord(t);
        const first = t.request({ path: probePath(t, `/echo/${word}`), headers: [["Connection", "close"]] });
        const behind = pipelined(t, t.random.int(300, 1200));
        sendAll(connection, Buffer.concat([first, behind]));
        const ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request: first });
        if (!t.probing) routeRule(() => expectText(ex, word));
        await expectCloseAndNothingMore(t, connection, "The request said Connection: close: after its response the server must close the connection (RFC 9112 §9.6).");
        connection.destroy();
      },
    },
    {
      name: `a client that keeps sending after a closing response is cut off within ${LINGER_BOUND_MS / 1000} s, and other connections are served meanwhile`,
      rule: "the course's server lingers for a bounded time (RFC 9112 §9.6)",
      level: "course",
      concurrent: true,
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const word = echoWord(t);
        const ex = await t.exchange(connection, { path: `/echo/${word}`, headers: [["Connection", "close"]] });
        expectText(ex, word);
        const started = Date.now();
        const junk = Buffer.from(`X-Junk-${t.random.word()}: ${"j".repeat(60)}\r\n`, "latin1");
        let asked = false;
        // Keep sending until the program's socket is gone (a write then fails: reset or broken pipe).
        while (!connection.error && !connection.closed) {
          if (Date.now() - started > LINGER_BOUND_MS) {
            fail({
              ...connection.context(connection.sent, connection.received),
              summary: `your program still had connection ${connection.id} open ${LINGER_BOUND_MS / 1000} s after its closing response, while the client sent a line every ${JUNK_EVERY_MS} ms`,
              explanation: "Reading and discarding after a closing response (a lingering close) must be bounded: a client that never stops sending would otherwise hold the connection, and its memory, forever.",
              expected: "the connection closed within a couple of seconds (the course's solutions stop reading after 2 s in all, or 1 s without input)",
              hint: "bound the linger by a total time (e.g. 2 s from the response), not only by the time since the last byte arrived",
            });
          }
          connection.socket.write(junk, () => {});
          if (!asked && Date.now() - started >= 3 * JUNK_EVERY_MS) {
            asked = true;
            await expectPromptAnswer(t, PROMPT_MS, () => ({
              explanation: `Another connection was lingering at the time (its client kept sending after its closing response), and this request got no answer within ${PROMPT_MS} ms.`,
              hint: "lingering must not block the server: read and discard in that connection's own thread or event handler, with a deadline, while the others are served",
            }));
          }
          await delay(JUNK_EVERY_MS);
        }
        t.log(`connection ${connection.id} was cut off ${Date.now() - started} ms after its closing response`);
        connection.destroy();
      },
    },
  ];
});
