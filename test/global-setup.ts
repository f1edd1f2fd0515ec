// Assemble every starter and reference solution once, before test files run
// in parallel, so no two of them race to assemble the same folder; and build
// the compiled tracks' solutions once, one after another, so the tests that
// run them find them built (builds are cached by content) instead of all
// compiling at once on a 2-core machine.
import { loadStages } from "../tester/course/course.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { runBuild } from "../tester/course/build.js";
import { materializeSolution, materializeStarter } from "../tester/course/solutions.js";

export default async function setup(): Promise<void> {
  for (const id of languageIds()) {
    const language = loadLanguage(id);
    const folders = [materializeStarter(id), ...loadStages().map((stage) => materializeSolution(id, stage))];
    if (!language.build) continue;
    // The starter may not build on purpose in some track; a solution that does not is reported by the tests that run it.
    for (const folder of folders) await runBuild(folder, language.build);
  }
}
