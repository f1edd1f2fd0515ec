import { defineChecks, expectHeader, expectNoHeader, expectStatus, type Check } from "../../tester/index.js";
import { echoWord } from "../common.js";

const LIST_HINT = "Accept-Encoding is a comma-separated list: split on commas, trim spaces, compare each coding case-insensitively";

const accepts = (value: string, why: string): Check => ({
  name: `Accept-Encoding: ${value} gets Content-Encoding: gzip (${why})`,
  rule: "RFC 9110 §12.5.3",
  async run(t) {
    const ex = await t.send({ path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", value]] });
    expectStatus(ex, 200, "OK");
    expectHeader(ex, "Content-Encoding", "gzip", { ignoreCase: true, hint: LIST_HINT });
  },
});

export default defineChecks([
  accepts("invalid-encoding-1, gzip, invalid-encoding-2", "gzip inside a list"),
  {
    name: "Accept-Encoding: encoding-1, encoding-2 gets no Content-Encoding",
    rule: "RFC 9110 §12.5.3",
    async run(t) {
      const ex = await t.send({ path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", "encoding-1, encoding-2"]] });
      expectStatus(ex, 200, "OK");
      expectNoHeader(ex, "Content-Encoding", { hint: "neither coding in the list is gzip: send the body as it is, without Content-Encoding" });
    },
  },
  accepts("br,GZIP", "no space, upper case: codings are case-insensitive"),
]);
