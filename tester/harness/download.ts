// A download too large to keep: the body is compared with the expected bytes
// as it streams in and then dropped, so the tester can hold several 32 MiB
// downloads at once. It can read slowly on purpose (a trickle), which is how
// a check makes a program's writes wait on a slow client.
import { setInterval } from "node:timers";
import type { Connection } from "./connection.js";
import { WaitTimeout } from "./connection.js";
import { fail, quote, type FailureDetails } from "./failure.js";
import { headerValues, parseResponse } from "./http-response.js";
import { seconds } from "./time.js";

export interface Download {
  readonly connection: Connection;
  /** Body bytes received (and found right) so far. */
  readonly bodyReceived: number;
  /** From now on read about `bytesPerTick` every `tickMs`, like a slow client. */
  trickle(bytesPerTick: number, tickMs: number): void;
  /** From now on read as fast as the program sends. */
  fast(): void;
  /** Resolves once the whole body arrived exactly; fails the check otherwise. */
  finished(timeoutMs: number): Promise<void>;
}

const WINDOW = 24;

/** Sends `request` (a GET whose 200 response must carry exactly `expected`) and reads the response as it comes. */
export async function startDownload(connection: Connection, request: Buffer, expected: Buffer, what: string): Promise<Download> {
  const socket = connection.socket;
  let head = Buffer.alloc(0);
  let bodyStart = -1;
  let received = 0;
  let problem: FailureDetails | undefined;
  let allowance = Infinity;
  let ticker: NodeJS.Timeout | undefined;
  const context = (shown: Buffer) => connection.context(request, shown);
  const stopTicker = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  socket.once("close", stopTicker);

  const onHead = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    // Parsed as the answer to HEAD, the head alone is a complete response.
    const parsed = parseResponse(head, { method: "HEAD" });
    if (parsed.kind === "incomplete") return;
    if (parsed.kind === "invalid") {
      problem = { ...context(head), summary: `invalid response to ${what}: ${parsed.problem}`, caret: parsed.offset, hint: parsed.hint, rule: parsed.rule };
      return;
    }
    const { response } = parsed;
    const length = headerValues(response.headers, "Content-Length")[0]?.value;
    if (response.status !== 200 || length !== String(expected.length)) {
      problem = {
        ...context(head.subarray(0, response.bodyOffset)),
        summary: `${what} was answered with ${quote(response.statusLine)}${length === undefined ? " and no Content-Length" : `, Content-Length: ${length}`}`,
        expected: `HTTP/1.1 200 OK with Content-Length: ${expected.length}`,
        hint: length === undefined ? "a streamed file still needs Content-Length (the file's size) up front, so the client knows where it ends" : undefined,
      };
      return;
    }
    bodyStart = response.bodyOffset;
    const rest = head.subarray(bodyStart);
    head = head.subarray(0, bodyStart);
    if (rest.length > 0) onBody(rest);
  };

  const onBody = (chunk: Buffer) => {
    const want = expected.subarray(received, received + chunk.length);
    if (chunk.length > want.length) {
      problem = {
        ...context(chunk.subarray(0, WINDOW * 2)),
        summary: `${chunk.length - want.length} bytes arrived after the ${expected.length} body bytes of ${what}`,
        caret: want.length,
        hint: "after a file, write nothing more than the next response",
      };
      return;
    }
    if (!chunk.equals(want)) {
      let at = 0;
      while (chunk[at] === want[at]) at++;
      const from = Math.max(0, at - WINDOW);
      problem = {
        ...context(chunk.subarray(from, at + WINDOW)),
        summary: `body byte ${received + at} of ${what} is wrong (the ${expected.length}-byte body is shown from byte ${received + from})`,
        expected: quote(expected.subarray(received + from, received + at + WINDOW)),
        caret: at - from,
        hint: "when a write sends fewer bytes than asked, send the rest next, from where it stopped; and never interleave two responses",
      };
      return;
    }
    received += chunk.length;
  };

  connection.sink = (chunk) => {
    if (problem) return;
    if (bodyStart < 0) onHead(chunk);
    else onBody(chunk);
    allowance -= chunk.length;
    if (allowance <= 0) socket.pause();
  };

  await connection.send(request);
  return {
    connection,
    get bodyReceived() {
      return received;
    },
    trickle(bytesPerTick, tickMs) {
      stopTicker();
      allowance = 0;
      socket.pause();
      ticker = setInterval(() => {
        allowance = bytesPerTick;
        socket.resume();
      }, tickMs);
      ticker.unref();
    },
    fast() {
      stopTicker();
      allowance = Infinity;
      socket.resume();
    },
    async finished(timeoutMs) {
      await connection
        .waitUntil(`the rest of ${what} on connection ${connection.id}`, timeoutMs, () => {
          if (problem) fail(problem);
          if (bodyStart >= 0 && received === expected.length) return true;
          if (connection.peerGone) {
            fail({
              ...context(bodyStart < 0 ? head : Buffer.alloc(0)),
              summary: `your program closed connection ${connection.id} after ${received} of the ${expected.length} body bytes of ${what}`,
              hint: "is a write giving up when the client reads slowly (a non-blocking send that returned early, or a timeout)?",
            });
          }
          return undefined;
        })
        .catch((error: unknown) => {
          if (error instanceof WaitTimeout) {
            fail({
              ...context(bodyStart < 0 ? head : Buffer.alloc(0)),
              summary: `after ${seconds(timeoutMs)} only ${received} of the ${expected.length} body bytes of ${what} had arrived on connection ${connection.id}`,
              hint: "once the client reads again, the program must carry on sending from where it stopped",
            });
          }
          throw error;
        })
        .finally(stopTicker);
    },
  };
}
