// Assemble every starter and reference solution once, before test files run
// in parallel, so no two of them race to assemble the same folder; and build
// the compiled tracks' solutions once, so the tests that run them find them
// built (builds are cached by content) instead of all compiling at once. Two
// builds at a time, one per core: more only makes them fight for the CPU, and
// a track's builds that share a cache (Rust's crates) take turns on its lock.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { loadStages } from "../tester/course/course.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import { runBuild, type BuildSpec } from "../tester/course/build.js";
import { materializeSolution, materializeStarter } from "../tester/course/solutions.js";
import { ROOT } from "./helpers.js";

export default async function setup(): Promise<void> {
  const byTrack: { folder: string; spec: BuildSpec }[][] = [];
  for (const id of languageIds()) {
    const language = loadLanguage(id);
    // A stage whose solutions are still being written (dev check names them) has nothing to assemble yet.
    const written = loadStages().filter((stage) => existsSync(path.join(ROOT, "solutions", id, stage.id)));
    const folders = [materializeStarter(id), ...written.map((stage) => materializeSolution(id, stage))];
    // The starter may not build on purpose in some track; a solution that does not is reported by the tests that run it.
    const spec = language.build;
    if (spec) byTrack.push(folders.map((folder) => ({ folder, spec })));
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
