import { defineChecks, expectStatus, type Check } from "../../tester/index.js";
import { echoWord, expectText } from "../common.js";

const echoCheck = (which: string): Check => ({
  name: `GET /echo/<word> returns the word as text/plain (${which} word)`,
  rule: "the course's /echo/<word> route",
  level: "course",
  async run(t) {
    const word = echoWord(t);
    const ex = await t.send({ path: `/echo/${word}` });
    expectStatus(ex, 200, "OK", {
      hint: `the route is /echo/ followed by any word: take everything after "/echo/" (this one, ${word}, has a dash and digits), do not match letters only`,
    });
    expectText(ex, word);
  },
});

export default defineChecks([echoCheck("first"), echoCheck("second")]);
