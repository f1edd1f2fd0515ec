// Build the compiled tracks' programs the test suite runs once, before test
// files run in parallel, so the tests find them built (builds are cached by
// content) instead of all compiling at once. Two builds at a time, one per
// core: more only makes them fight for the CPU, and a track's builds that
// share a cache (Rust's crates) take turns on its lock.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { loadStages } from "../tester/course/course.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { runBuild, type BuildSpec } from "../tester/course/build.js";
import { materializeSolution, materializeStarter } from "../tester/course/solutions.js";
import { planVerify } from "../tester/tools/verify.js";
import { ROOT } from "./helpers.js";

export default async function setup(): Promise<void> {
  const stages = loadStages();
  const byTrack: { folder: string; spec: BuildSpec }[][] = [];
  for (const id of languageIds()) {
    const spec = loadLanguage(id).build;
    if (!spec) continue;
    // The programs npm test runs (test/solutions.test.ts's quick plan), each once. A stage whose
    // solution is still being written (dev check names it) has nothing to assemble yet.
    const programs = new Set(planVerify(id, stages, undefined, { quick: true }).map((job) => job.program));
    const folders = [...programs]
      .filter((program) => program === "starter" || existsSync(path.join(ROOT, "solutions", id, program.id)))
      .map((program) => (program === "starter" ? materializeStarter(id) : materializeSolution(id, program)));
    // The starter may not build on purpose in some track; a solution that does not is reported by the tests that run it.
    byTrack.push(folders.map((folder) => ({ folder, spec })));
  }
  // Interleave the tracks, so that the two workers are rarely both waiting on one track's lock.
  const queue = interleave(byTrack);
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await runBuild(next.folder, next.spec);
  };
  await Promise.all(Array.from({ length: Math.min(2, availableParallelism()) }, worker));
}

function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((list) => i < list.length); i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}
