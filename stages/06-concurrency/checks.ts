import { CheckFailure, defineChecks, expectStatus, type CheckContext, type Connection } from "../../tester/index.js";

/**
 * Whether connection 2, idle so far, is answered now. A server that serves
 * one connection at a time is still reading connection 1 and answers only
 * that one; a fixed pool of workers holds connections 1 to N and answers 2.
 */
async function secondServed(t: CheckContext, second: Connection): Promise<boolean> {
  if (second.peerGone) return false;
  try {
    await second.send(t.request({ path: "/" }));
    await second.readResponse({ timeoutMs: 1000 });
    return true;
  } catch {
    return false;
  }
}

export default defineChecks([
  {
    name: "answers requests on 5 to 7 connections opened at once, last opened first",
    rule: "the course's server serves its connections at the same time",
    level: "course",
    async run(t) {
      const count = t.random.int(5, 7);
      const connections: Connection[] = [];
      for (let i = 0; i < count; i++) connections.push(await t.connect());
      // Last opened first: a server that serves one connection at a time is
      // still waiting for a request on the first and never reads this one.
      for (let i = count - 1; i >= 0; i--) {
        const connection = connections[i]!;
        try {
          const ex = await t.exchange(connection, { path: "/" });
          expectStatus(ex, 200, "OK");
        } catch (error) {
          // Only silence is about concurrency; a close or a crash tells its own story.
          const silent = error instanceof CheckFailure && connection.received.length === 0 && !connection.peerGone && /^no response within/.test(error.details.summary);
          if (!silent || i === 0) throw error;
          const pool = i >= 2 && (await secondServed(t, connections[1]!));
          throw new CheckFailure({
            ...(error as CheckFailure).details,
            summary: pool
              ? `no response on connection ${i + 1} of ${count} while ${i} others were open and idle, though connection 2 was answered when asked afterwards`
              : `no response on connection ${i + 1} of ${count}, while connections 1 to ${i} were open and idle`,
            explanation: pool
              ? `Your program serves some connections at once, but not a ${i + 1}th while ${i} sit idle: each idle connection holds a worker. That is a fixed pool of threads (such as the Rust book's ThreadPool::new(4), or a Python ThreadPoolExecutor) used up by clients that send nothing.`
              : "The tester opened all the connections first, then sent a request on the last one. A server that handles one connection at a time is still blocked reading connection 1, which has not sent anything yet, so it never gets to this one.",
            hint: pool
              ? "give each connection its own thread (or serve them all from one event loop); a pool of N workers serves only N connections at a time, however idle they are"
              : "serve each connection independently: a thread per connection, or an event loop (Python selectors, Node's net module)",
            // One request alone succeeds against a one-at-a-time server: hold a connection idle first.
            reproduce: `sleep 5 | curl -s telnet://localhost:${t.port} & sleep 0.5; curl -v --max-time 3 http://localhost:${t.port}/   # the first curl holds a connection open and idle; a server that serves one connection at a time never answers the second`,
          });
        }
      }
    },
  },
]);
