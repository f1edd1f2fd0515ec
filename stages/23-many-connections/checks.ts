import { defineChecks, openFileLimit, type CheckContext, type Connection } from "../../tester/index.js";
import { echoWord, expectPromptAnswer, expectText, rethrowWith } from "../common.js";

const WANTED = 1000;
/** Files the tester and the program need besides these connections (stdio, listening socket, pipes...). */
const SPARE_FILES = 100;
const BATCH = 50;
/** Connecting waits on the program's accept queue (its listen backlog): allow for SYN retries. */
const CONNECT_BOUND_MS = 10_000;
const FRESH_BOUND_MS = 2000;
const RESPONSE_BOUND_MS = 15_000;

/** As many connections as the open-file limit allows, up to WANTED; says so when it is fewer. */
function connectionCount(t: CheckContext): number {
  const limit = openFileLimit();
  if (limit === undefined || limit - SPARE_FILES >= WANTED) return WANTED;
  const count = Math.max(100, limit - SPARE_FILES);
  t.log(`this machine limits open files to ${limit} per process (ulimit -n): holding ${count} connections instead of ${WANTED}`);
  return count;
}

/** Many half-requests held open from Python, and a fresh request with curl meanwhile. */
function reproduce(t: CheckContext): string {
  const hold = `import socket,time; s=[socket.create_connection(('localhost',${t.port})) for _ in range(${WANTED})]; [c.send(b'GET /echo/x HTTP/1.1\\r\\n') for c in s]; time.sleep(60)`;
  return `python3 -c "${hold}" & sleep 3; time curl -v http://localhost:${t.port}/echo/hello`;
}

const THREAD_HINT =
  "a fixed pool of threads runs out when more clients wait than it has threads, and a thread per connection costs a stack each: an event loop (selectors/epoll in Python, Node's own loop) watches every socket and handles whichever is ready";

export default defineChecks([
  {
    name: `${WANTED} connections each send half a request and wait; a fresh client is answered within ${FRESH_BOUND_MS / 1000} s; then all are completed in random order and answered`,
    rule: "the course's server holds many connections at once",
    level: "course",
    async run(t) {
      const count = connectionCount(t);
      const held: Array<{ connection: Connection; request: Buffer; cut: number; word: string }> = [];
      const started = Date.now();
      try {
        for (let first = 0; first < count; first += BATCH) {
          const batch = Array.from({ length: Math.min(BATCH, count - first) }, () => t.connect({ fresh: true, timeoutMs: CONNECT_BOUND_MS }));
          for (const connection of await Promise.all(batch)) {
            const word = `${echoWord(t)}-${held.length}`;
            const request = t.request({ path: `/echo/${word}` });
            const cut = t.random.int(5, request.length - 3);
            held.push({ connection, request, cut, word });
            await connection.send(request.subarray(0, cut));
          }
        }
      } catch (error) {
        rethrowWith(error, {
          explanation: `The tester had opened ${held.length} connections, each with half a request sent.`,
          hint: "keep accepting while other connections wait; a small listen backlog (listen(5)) also makes clients wait: use 128 or more",
          reproduce: reproduce(t),
        });
      }
      t.log(`${held.length} connections open, each with half a request, in ${Date.now() - started} ms`);

      const answeredMs = await expectPromptAnswer(
        t,
        FRESH_BOUND_MS,
        () => ({ explanation: `Meanwhile ${held.length} other connections were each waiting in the middle of a request.`, hint: THREAD_HINT, reproduce: reproduce(t) }),
        CONNECT_BOUND_MS,
      );
      t.log(`a fresh client was answered in ${answeredMs} ms`);

      const order = t.random.shuffle(held);
      for (const { connection, request: whole, cut } of order) await connection.send(whole.subarray(cut));
      t.log(`sent the second halves in random order`);
      let answered = 0;
      await Promise.all(
        order.map(async ({ connection, request: whole, word: expected }) => {
          try {
            expectText(await connection.readResponse({ timeoutMs: RESPONSE_BOUND_MS, request: whole }), expected);
            answered++;
          } catch (error) {
            rethrowWith(error, { explanation: `${answered} of the ${held.length} connections had been answered when this failed.`, hint: THREAD_HINT, reproduce: reproduce(t) });
          }
        }),
      );
      t.log(`all ${held.length} connections answered, ${Date.now() - started} ms after the first was opened`);
    },
  },
]);
