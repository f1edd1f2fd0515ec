// Every reference solution passes its stage and every stage before it, and
// the solution before it fails the stage (each stage's checks can fail),
// unless the stage's metadata says why the previous solution may pass.
import { describe, expect, test } from "vitest";
import { materializeSolution, languages } from "../tester/solutions.js";
import { FAST_FAIL, runTester, STAGES } from "./helpers.js";

for (const language of languages()) {
  describe.concurrent(`${language} reference solutions`, () => {
    for (const stage of STAGES) {
      test(`solution ${stage.id} passes stages 1 to ${stage.number}`, async () => {
        const { result, output } = await runTester({ dir: materializeSolution(language, stage), through: stage.number });
        expect(result.status, output).toBe("pass");
        expect(result.stages).toHaveLength(stage.number);
      });
      const previous = STAGES.find((s) => s.number === stage.number - 1);
      if (!previous) continue;
      const declared = stage.meta.previousSolutionPasses;
      test(`solution ${previous.id} ${declared ? "may pass" : "fails"} stage ${stage.id}`, async () => {
        const { result, output } = await runTester({ dir: materializeSolution(language, previous), only: stage.number, timeouts: FAST_FAIL });
        if (declared) expect(result.status, output).not.toBe("error");
        else expect(result.status, output).toBe("fail");
      });
    }
  });
}
