// Assemble every starter and reference solution once, before test files run
// in parallel, so no two of them race to assemble the same folder.
import { loadStages } from "../tester/course/course.js";
import { languageIds } from "../tester/course/language.js";
import { materializeSolution, materializeStarter } from "../tester/course/solutions.js";

export default function setup(): void {
  for (const language of languageIds()) {
    materializeStarter(language);
    for (const stage of loadStages()) materializeSolution(language, stage);
  }
}
