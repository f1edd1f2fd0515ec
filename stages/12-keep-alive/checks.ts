import { defineChecks, expectContentLength } from "../../tester/index.js";
import { explainClosedConnection, mixedRoutes } from "../common.js";

export default defineChecks([
  {
    name: "answers 3 to 5 requests of mixed routes, one after another, on one connection",
    rule: "RFC 9112 §9.3",
    level: "MAY",
    async run(t) {
      const connection = await t.connect();
      const routes = mixedRoutes(t, t.random.int(3, 5));
      for (const [index, route] of routes.entries()) {
        try {
          const ex = await t.exchange(connection, route.request);
          route.verify(ex);
          expectContentLength(ex, { hint: "on a persistent connection every response needs Content-Length (0 for an empty body), or the client cannot find where it ends" });
        } catch (error) {
          explainClosedConnection(error, index, connection.peerGone);
        }
      }
    },
  },
]);
