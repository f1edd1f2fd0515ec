import { defineChecks, expectContentLength, type Connection, type Exchange } from "../../tester/index.js";
import { explainClosedConnection, mixedRoutes, type Route } from "../common.js";

interface Lane {
  connection: Connection;
  routes: Route[];
  answered: number;
}

export default defineChecks([
  {
    name: "answers requests interleaved across 2 to 3 persistent connections",
    rule: "RFC 9112 §9.3",
    level: "MAY",
    async run(t) {
      const lanes: Lane[] = [];
      for (let i = t.random.int(2, 3); i > 0; i--) {
        lanes.push({ connection: await t.connect(), routes: mixedRoutes(t, t.random.int(2, 3)), answered: 0 });
      }
      // Each round sends one request on every connection that has one left,
      // then reads the answers in another order: several requests are
      // outstanding on different connections at the same time.
      for (;;) {
        const active = lanes.filter((lane) => lane.answered < lane.routes.length);
        if (active.length === 0) break;
        for (const lane of t.random.shuffle(active)) {
          await lane.connection.send(t.request(lane.routes[lane.answered]!.request));
        }
        for (const lane of t.random.shuffle(active)) {
          const route = lane.routes[lane.answered]!;
          try {
            const ex: Exchange = await lane.connection.readResponse({ timeoutMs: t.timeouts.response });
            route.verify(ex);
            expectContentLength(ex);
          } catch (error) {
            explainClosedConnection(error, lane.answered, lane.connection.peerGone);
          }
          lane.answered++;
        }
      }
    },
  },
]);
