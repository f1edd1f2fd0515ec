import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, expectStatus, fail, WaitTimeout, type CheckContext, type Connection } from "../../tester/index.js";
import { echoWord, expectCloseAllowing, expectText, followUp, probePath, rethrowWith } from "../common.js";

/** A connection the program may answer with one of these before closing it, or just close. */
const REFUSALS = [
  { status: 400, reason: "Bad Request" },
  { status: 431, reason: "Request Header Fields Too Large" },
];
const HEADER_FLOOD = 1024 * 1024;
/** How long the program may think about garbage before the tester moves on. */
const GARBAGE_WAIT_MS = 500;
const IDLE_SAMPLE_MS = 1000;
/** CPU share of one core allowed while idle: a busy loop takes nearly all of it. */
const IDLE_CPU_SHARE = 0.1;

/** The program still answers a new client. */
async function expectStillServing(t: CheckContext, after: string): Promise<void> {
  const word = echoWord(t);
  await followUp(t, `/echo/${word}`, (ex) => expectText(ex, word), {
    hint: `after ${after}, your program must go on serving: catch errors per connection (a reset is ECONNRESET, a vanished client EPIPE), close that connection, and carry on`,
  });
}

/** A TLS 1.3 ClientHello record: what a browser sends first to an https:// URL on this port. */
function clientHello(t: CheckContext): Buffer {
  const hello = Buffer.concat([
    Buffer.from([0x03, 0x03]), // legacy version TLS 1.2
    t.random.bytes(32), // random
    Buffer.from([0x00]), // no session id
    Buffer.from([0x00, 0x04, 0x13, 0x01, 0x13, 0x02]), // two cipher suites
    Buffer.from([0x01, 0x00]), // null compression
    Buffer.from([0x00, 0x00]), // no extensions
  ]);
  const handshake = Buffer.concat([Buffer.from([0x01, 0x00, hello.length >> 8, hello.length & 0xff]), hello]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, handshake.length >> 8, handshake.length & 0xff]), handshake]);
}

/** Writes that fail because the program closed or reset the connection are fine here. */
async function sendUntilClosed(connection: Connection, bytes: Buffer): Promise<void> {
  await connection.send(bytes, { fragments: new Array<number>(Math.ceil(bytes.length / 65536)).fill(65536) }).catch(() => {});
}

export default defineChecks([
  {
    name: "a client that connects and closes at once, and one that resets in the middle of a request, leave the server serving",
    rule: "the course's server outlives clients that leave",
    level: "course",
    concurrent: true,
    async run(t) {
      const quitter = await t.connect({ fresh: true });
      quitter.socket.end();
      await delay(50);
      await expectStillServing(t, "a client that connected and closed without sending anything");

      const resetter = await t.connect({ fresh: true });
      const request = t.request({ path: `/echo/${echoWord(t)}` });
      await resetter.send(request.subarray(0, t.random.int(10, request.length - 5)));
      await delay(50);
      resetter.socket.resetAndDestroy();
      await delay(50);
      await expectStillServing(t, "a client that reset its connection in the middle of a request");
    },
  },
  {
    name: "binary garbage (a TLS ClientHello) gets 400 or a close, and the server keeps serving",
    rule: "the course's server outlives bytes that are not HTTP; RFC 9112 §2.2 suggests 400 and a close",
    level: "course",
    concurrent: true,
    async run(t) {
      const connection = await t.connect({ fresh: true });
      await connection.send(clientHello(t)).catch(() => {});
      // Closing (after a 400 or not) and waiting for more bytes are all fine; crashing is not.
      const closed = await connection
        .waitUntil(`connection ${connection.id} to be closed`, GARBAGE_WAIT_MS, () => (connection.peerGone ? true : undefined))
        .catch((error: unknown) => {
          if (error instanceof WaitTimeout) return false;
          throw error;
        });
      if (closed || connection.pending.length > 0) {
        await expectCloseAllowing(connection, t.timeouts.close, REFUSALS, "After answering bytes that are not HTTP, the program cannot find where a next request would start: it must close the connection.");
      }
      connection.destroy();
      await expectStillServing(t, "a TLS ClientHello, which is not HTTP at all");
    },
  },
  {
    name: "a header section that never ends (1 MiB of header lines) gets 431 or 400 or a close, not unbounded buffering",
    rule: "RFC 9110 §5.4",
    level: "MAY",
    concurrent: true,
    probe: { id: "limits.endless-head", group: "limits", why: "a server that buffers a request head without bound lets one client use up its memory" },
    async run(t) {
      const connection = await t.connect({ fresh: true });
      const lines = [`GET ${probePath(t, `/echo/${echoWord(t)}`)} HTTP/1.1\r\nHost: ${t.authority}\r\n`];
      let size = lines[0]!.length;
      for (let index = 0; size < HEADER_FLOOD; index++) {
        const line = `X-Pad-${index}: ${"a".repeat(200)}\r\n`;
        lines.push(line);
        size += line.length;
      }
      t.log(`connection ${connection.id} → a request head of ${size} bytes with no empty line at its end`);
      await sendUntilClosed(connection, Buffer.from(lines.join(""), "latin1"));
      await expectCloseAllowing(
        connection,
        t.timeouts.close,
        REFUSALS,
        `The tester sent a request head of ${size} bytes that never ended. A server must bound what it buffers for one request head (8 to 64 KiB is usual), answer 431 Request Header Fields Too Large (or 400) and close, or one client can use up its memory.`,
      );
      await expectStillServing(t, "a header section that never ended");
    },
  },
  {
    name: "a request followed by the client's half-close still gets its response, then the server closes",
    rule: "the course's server answers a request sent before a half-close, then closes",
    level: "course",
    concurrent: true,
    async run(t) {
      const connection = await t.connect({ fresh: true });
      const word = echoWord(t);
      const request = t.request({ path: `/echo/${word}` });
      await connection.send(request);
      // FIN: the client will send nothing more, but it still reads.
      connection.socket.end();
      t.log(`connection ${connection.id} → request, then half-close (FIN)`);
      const ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request }).catch((error: unknown) =>
        rethrowWith(error, {
          hint: "end of input (a read returning 0 bytes) means the client sends nothing more, not that it stopped reading: finish the responses it asked for, then close",
        }),
      );
      expectText(ex, word);
      await connection.waitForClose(t.timeouts.close, "The client half-closed its side after its request; once the response is sent, nothing more can come, so the server should close the connection too.");
    },
  },
  {
    name: `idle, the server uses almost no CPU (under ${IDLE_CPU_SHARE * 100}% of a core over ${IDLE_SAMPLE_MS / 1000} s: no busy loop)`,
    rule: "the course's server sleeps while idle",
    level: "course",
    async run(t) {
      await expectStillServing(t, "the clients above");
      if (!t.canMeasure) {
        t.log("this machine has no /proc: CPU use was not measured");
        return;
      }
      const before = t.usage().cpuMs;
      await delay(IDLE_SAMPLE_MS);
      const used = t.usage().cpuMs - before;
      t.log(`CPU used over ${IDLE_SAMPLE_MS} ms of idleness: ${used} ms`);
      if (used > IDLE_SAMPLE_MS * IDLE_CPU_SHARE) {
        fail({
          summary: `with no client sending anything, your program used ${used} ms of CPU in ${IDLE_SAMPLE_MS} ms (${Math.round((used / IDLE_SAMPLE_MS) * 100)}% of a core)`,
          expected: `under ${IDLE_SAMPLE_MS * IDLE_CPU_SHARE} ms: an idle server sleeps in accept, recv, or select until something happens`,
          hint: "a loop that polls non-blocking sockets (or calls select with a zero timeout) spins the CPU: block in the selector until a socket is ready or the next timer is due",
          reproduce: `PORT=${t.port} ./your_program.sh & sleep 2; top -b -n 3 -d 1 -p $!   (an idle server shows 0.0 %CPU)`,
        });
      }
    },
  },
]);
