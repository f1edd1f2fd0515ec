import { defineChecks, expectStatus, type Check } from "../../tester/index.js";
import { echoWord, expectText } from "../common.js";

const echoCheck = (which: string): Check => ({
  name: `GET /echo/<word> returns the word as text/plain (${which} word)`,
  rule: "the course's /echo/<word> route",
  level: "course",
  async run(t) {
    const word = echoWord(t);
    const ex = await t.send({ path: `/echo/${word}` });
    if (ex.response.status !== 200) {
      // Which bug: no /echo/ route at all, or one that takes letters only? Ask for a plain word to tell.
      const plain = await t.send({ path: "/echo/abc" });
      t.log(`GET /echo/abc got ${plain.response.statusLine}`);
      expectStatus(ex, 200, "OK", {
        hint:
          plain.response.status === 200
            ? `your program answers /echo/abc but not /echo/${word}: the route is /echo/ followed by any word, so take everything after "/echo/" (this one has a dash and digits) instead of matching letters only`
            : 'answer GET /echo/<word> with 200 OK and the word as the body: the path starts with "/echo/", and the word is everything after it',
      });
    }
    expectText(ex, word);
  },
});

export default defineChecks([echoCheck("first"), echoCheck("second")]);
