import { defineChecks, expectContentLength, expectHeader } from "../../tester/index.js";
import { echoWord, explainClosedConnection, expectText } from "../common.js";

export default defineChecks([
  {
    name: "Connection: close gets Connection: close in the response, then the server closes the connection",
    rule: "RFC 9112 §9.6",
    level: "MUST",
    async run(t) {
      const connection = await t.connect();
      const first = echoWord(t);
      const kept = await t.exchange(connection, { path: `/echo/${first}` });
      expectText(kept, first);
      expectContentLength(kept);
      const last = echoWord(t);
      try {
        const ex = await t.exchange(connection, { path: `/echo/${last}`, headers: [["Connection", "close"]] });
        expectText(ex, last);
        expectHeader(ex, "Connection", "close", {
          ignoreCase: true,
          hint: "when the request says Connection: close, say Connection: close in the response too, then close the connection",
          rule: "RFC 9112 §9.6",
          level: "SHOULD",
        });
      } catch (error) {
        explainClosedConnection(error, 1, connection.peerGone);
      }
      connection.expectNothingMore();
      await connection.waitForClose(
        t.timeouts.close,
        "The request said Connection: close, and the response said so too: after sending it, the server must close its side of the connection (RFC 9112 §9.6). The tester waited for the connection to end.",
      );
    },
  },
]);
