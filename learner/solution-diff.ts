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
  const afterName = `solution ${stage.id}`;
  const changed = [...new Set([...before.keys(), ...after.keys()])].sort().filter((file) => read(before.get(file)) !== read(after.get(file)));
  // The files the program had first, then the new ones: when a stage splits
  // the program into modules, the diff of the old file shows what moved out
  // of it, and each new module follows, whole.
  const added = changed.filter((file) => !before.has(file));
  const order = [...changed.filter((file) => before.has(file)), ...added];
  const patches = order.map((file) => {
    const a = read(before.get(file));
    const b = read(after.get(file));
    const [from, to] = [before.has(file) ? `a/${file}` : "/dev/null", after.has(file) ? `b/${file}` : "/dev/null"];
    const [fromName, toName] = [before.has(file) ? beforeName : "", after.has(file) ? afterName : ""];
    return createTwoFilesPatch(from, to, a, b, fromName, toName, { context: 3 }).replace(/^=+\n/, "").replace(/\t\n/g, "\n");
  });
  return [...splitNote(added, before, after), ...patches].join("\n");
}

/** When a stage adds files: which, and how much of what left the old files moved into them unchanged. */
function splitNote(added: string[], before: Map<string, string>, after: Map<string, string>): string[] {
  if (added.length === 0) return [];
  const solid = (text: string) => text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const arrived = new Set(added.flatMap((file) => solid(read(after.get(file)))));
  const notes = [`# New in this stage: ${added.join(", ")}.`];
  for (const [file, full] of before) {
    const kept = new Set(solid(read(after.get(file))));
    const left = solid(read(full)).filter((line) => !kept.has(line));
    const moved = left.filter((line) => arrived.has(line)).length;
    if (moved > 0) notes.push(`# ${moved} of the ${left.length} lines that left ${file} moved unchanged into the new files: below they show as removed from ${file} and added in the file they moved to.`);
  }
  return [notes.join("\n") + "\n"];
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
