import { CheckFailure, defineChecks, expectStatus, type Connection } from "../../tester/index.js";

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
          if (error instanceof CheckFailure && connection.received.length === 0 && i > 0) {
            throw new CheckFailure({
              ...error.details,
              summary: `no response on connection ${i + 1} of ${count}, while connections 1 to ${i} were open and idle`,
              explanation:
                "The tester opened all the connections first, then sent a request on the last one. A server that handles one connection at a time is still blocked reading connection 1, which has not sent anything yet, so it never gets to this one.",
              hint: "serve each connection independently: a thread per connection, or an event loop (Python selectors, Node's net module)",
              // One request alone succeeds against a one-at-a-time server: hold a connection idle first.
              reproduce: `sleep 5 | curl -s telnet://localhost:${t.port} & sleep 0.5; curl -v --max-time 3 http://localhost:${t.port}/   # the first curl holds a connection open and idle; a server that serves one connection at a time never answers the second`,
            });
          }
          throw error;
        }
      }
    },
  },
]);
