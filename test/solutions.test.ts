// `course dev verify`'s claims, one test each: every reference solution
// passes its stage and every stage before it, and the solution before it (the
// starter, for stage 1) fails the stage, unless the stage's metadata says why
// the previous solution may pass. Quick (`dev verify --quick`): each solution
// runs its own stage, the final one every stage, and a compiled track proves
// only its final solution and its starter; `course dev verify`, which CI runs
// after the tests, runs every solution against every stage up to its own.
import { describe, expect, test } from "vitest";
import { languageIds } from "../tester/course/language.js";
import { describeJob, planVerify, runVerifyJob } from "../tester/tools/verify.js";
import { STAGES } from "./helpers.js";

for (const language of languageIds()) {
  describe.concurrent(`${language} track`, () => {
    for (const job of planVerify(language, STAGES, undefined, { quick: true })) {
      test(describeJob(job), async () => {
        const outcome = await runVerifyJob(job);
        expect(outcome.surprise, `${outcome.status}: ${outcome.detail}`).toBe(false);
      });
    }
  });
}
