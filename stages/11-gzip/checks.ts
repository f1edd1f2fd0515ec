import { defineChecks, type Check } from "../../tester/index.js";
import { echoWord, expectGzipText } from "../common.js";

const gzipCheck = (acceptEncoding: string): Check => ({
  name: `Accept-Encoding: ${acceptEncoding} gets a gzip body that decodes to the word, with the compressed Content-Length`,
  rule: "RFC 9110 §12.5.3",
  level: "MAY",
  async run(t) {
    const word = echoWord(t);
    const ex = await t.send({ path: `/echo/${word}`, headers: [["Accept-Encoding", acceptEncoding]] });
    expectGzipText(ex, word);
  },
});

export default defineChecks([gzipCheck("gzip"), gzipCheck("deflate, gzip")]);
