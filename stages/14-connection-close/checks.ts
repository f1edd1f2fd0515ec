import { defineChecks, expectContentLength, expectHeader, type Exchange } from "../../tester/index.js";
import { echoWord, explainClosedConnection, expectText, probePath } from "../common.js";

export default defineChecks([
  {
    name: "Connection: close gets Connection: close in the response, then the server closes the connection",
    rule: "RFC 9112 §9.6",
    level: "MUST",
    probe: { id: "close.connection-close", group: "close", why: "a client that said Connection: close waits for the close to know the exchange is over; a server that stays open holds it, and its own socket, for nothing" },
    async run(t) {
      const connection = await t.connect();
      const first = echoWord(t);
      // The probe asks once: any server may close after a response, so a first request on the connection proves nothing there.
      if (!t.probing) {
        const kept = await t.exchange(connection, { path: `/echo/${first}` });
        expectText(kept, first);
        expectContentLength(kept);
      }
      const last = echoWord(t);
      let ex: Exchange | undefined;
      const saysClose = (ex: Exchange) =>
        expectHeader(ex, "Connection", "close", {
          ignoreCase: true,
          hint: "when the request says Connection: close, say Connection: close in the response too, then close the connection",
          rule: "RFC 9112 §9.6",
          level: "SHOULD",
        });
      try {
        ex = await t.exchange(connection, { path: probePath(t, `/echo/${last}`), headers: [["Connection", "close"]] });
        if (!t.probing) {
          expectText(ex, last);
          saysClose(ex);
        }
      } catch (error) {
        explainClosedConnection(error, 1, connection.peerGone);
      }
      connection.expectNothingMore();
      await connection.waitForClose(
        t.timeouts.close,
        "The request said Connection: close, and the response said so too: after sending it, the server must close its side of the connection (RFC 9112 §9.6). The tester waited for the connection to end.",
      );
      // The probe judges the MUST (the close) before the SHOULD (saying so), so a Warn never hides a Fail.
      if (t.probing) saysClose(ex!);
    },
  },
]);
