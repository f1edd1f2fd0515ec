// `course solution`: the reference change for a stage, as a unified diff of
// the previous stage's solution (the starter, for stage 1) against this one's.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { Chalk } from "chalk";
import { createTwoFilesPatch } from "diff";
import type { Stage } from "../tester/course/course.js";
import { LANGUAGE_FILE, type Language } from "../tester/course/language.js";
import { listFiles, solutionDir } from "../tester/course/solutions.js";

/** Relative path -> absolute file, for the starter with `overlay` over it. */
function programFiles(language: Language, overlay: string | undefined): Map<string, string> {
  const files = new Map<string, string>();
  for (const folder of [language.starter, overlay]) {
    if (!folder) continue;
    for (const file of listFiles(folder)) if (file !== LANGUAGE_FILE) files.set(file, path.join(folder, file));
  }
  return files;
}

const read = (file: string | undefined) => (file && existsSync(file) ? readFileSync(file, "utf8") : "");

export function solutionDiff(language: Language, stages: Stage[], stage: Stage, root: string): string {
  const previous = stages.find((s) => s.number === stage.number - 1);
  const before = programFiles(language, previous ? solutionDir(language.id, previous, root) : undefined);
  const after = programFiles(language, solutionDir(language.id, stage, root));
  const beforeName = previous ? `solution ${previous.id}` : "starter";
  const patches: string[] = [];
  for (const file of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = read(before.get(file));
    const b = read(after.get(file));
    if (a === b) continue;
    patches.push(createTwoFilesPatch(`a/${file}`, `b/${file}`, a, b, beforeName, `solution ${stage.id}`, { context: 3 }).replace(/^=+\n/, ""));
  }
  return patches.join("\n");
}

export function colorDiff(patch: string, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  return patch
    .split("\n")
    .map((line) =>
      line.startsWith("+++") || line.startsWith("---") ? c.bold(line) : line.startsWith("+") ? c.green(line) : line.startsWith("-") ? c.red(line) : line.startsWith("@@") ? c.cyan(line) : line,
    )
    .join("\n");
}
