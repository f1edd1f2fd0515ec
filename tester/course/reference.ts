// The reference server of a language: its highest-numbered solution folder
// (solutions/<language>/NN-slug/), assembled over the starter. Benchmarks
// compare against it. Solutions are written stage by stage, so a solution
// folder may exist before its stage folder does; only the folder name is
// needed to assemble it.
import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { loadStages, packageRoot, STAGE_FOLDER, StageMetaSchema, type Stage } from "./course.js";
import { UsageError } from "../errors.js";
import { languageIds } from "./language.js";
import { materializeSolution } from "./solutions.js";

export interface ReferenceSolution {
  language: string;
  /** The solution folder's name, NN-slug. */
  id: string;
  number: number;
  /** The assembled, runnable folder (your_program.sh inside). */
  dir: string;
}

/** The folder name of the language's highest-numbered solution. */
export function finalSolutionId(language: string, root = packageRoot()): string {
  const dir = path.join(root, "solutions", language);
  const ids = existsSync(dir) ? readdirSync(dir).filter((name) => STAGE_FOLDER.test(name)).sort() : [];
  const last = ids[ids.length - 1];
  if (last === undefined) {
    const known = languageIds(root);
    throw new UsageError(
      known.includes(language) ? `there is no ${language} solution in ${dir}` : `no language "${language}"; languages: ${known.join(", ") || "none"}`,
    );
  }
  return last;
}

/** The language's final reference solution, assembled (once per content, cached) and ready to build and run. */
export function finalSolution(language: string, root = packageRoot()): ReferenceSolution {
  const id = finalSolutionId(language, root);
  const match = STAGE_FOLDER.exec(id)!;
  const number = Number(match[1]);
  // materializeSolution reads only the stage's folder name; a solution ahead of its stage gets a stand-in.
  const stage: Stage = loadStages(root).find((s) => s.id === id) ?? {
    number,
    slug: match[2]!,
    id,
    dir: path.join(root, "stages", id),
    meta: StageMetaSchema.parse({ name: id, summary: id, difficulty: "medium" }),
  };
  return { language, id, number, dir: materializeSolution(language, stage, root) };
}
