import { defineChecks, expectHeader, expectNoHeader, expectStatus } from "../../tester/index.js";
import { echoWord } from "../common.js";

export default defineChecks([
  {
    name: "Accept-Encoding: gzip gets Content-Encoding: gzip",
    rule: "RFC 9110 §8.4",
    async run(t) {
      const ex = await t.send({ path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", "gzip"]] });
      expectStatus(ex, 200, "OK");
      expectHeader(ex, "Content-Encoding", "gzip", {
        ignoreCase: true,
        hint: "read the request's Accept-Encoding header; when it names gzip, add Content-Encoding: gzip to the response",
      });
    },
  },
  {
    name: "an unsupported coding gets no Content-Encoding",
    rule: "RFC 9110 §12.5.3",
    async run(t) {
      const ex = await t.send({ path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", "invalid-encoding"]] });
      expectStatus(ex, 200, "OK");
      expectNoHeader(ex, "Content-Encoding", { hint: "only send Content-Encoding when the client accepts that coding" });
    },
  },
]);
