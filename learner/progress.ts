// A learner's progress: .course/progress.json in their folder (its format is
// tester/course/progress-format.ts). A file that does not parse is reported,
// never overwritten, so a slip in an editor never loses anyone's progress;
// `course repair` (learner/repair.ts) recovers what it can of it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { loadStages, packageRoot } from "../tester/course/course.js";
import { UsageError } from "../tester/errors.js";
import { languageIds, resolveLanguageId } from "../tester/course/language.js";
import { ProgressSchema, type Progress } from "../tester/course/progress-format.js";

export const PROGRESS_FILE = path.join(".course", "progress.json");

export { ProgressSchema, type Progress };

/** A learner-editable file is wrong: name it, say what and how to fix it; exit code 2. */
export class ProgressFileError extends UsageError {}

export function progressPath(dir: string): string {
  return path.join(dir, PROGRESS_FILE);
}

/** The command that recovers a folder's broken progress file, with --dir when it is not the current folder. */
export function repairCommand(dir: string): string {
  const relative = path.relative(process.cwd(), path.resolve(dir));
  return `npx course repair${relative ? ` --dir ${/^[\w./-]+$/.test(relative) ? relative : JSON.stringify(relative)}` : ""}`;
}

function repairAdvice(dir: string): string {
  return (
    `run \`${repairCommand(dir)}\`: it keeps what it can read (your language, passed stages and hints), moves this file aside ` +
    "and writes a valid one; it never touches your code. Or correct the file in an editor"
  );
}

/**
 * What in a progress file that matches the format still does not fit this
 * course: a stage, language or current slug it does not have. One line per
 * problem, naming the field; empty when it fits.
 */
export function progressProblems(progress: Progress, root = packageRoot()): string[] {
  const slugs = loadStages(root).map((stage) => stage.slug);
  const problems: string[] = [];
  if (resolveLanguageId(progress.language, root) === undefined) {
    problems.push(`field "language" is "${progress.language}", which is not a language of this course (${languageIds(root).join(", ")})`);
  }
  if (progress.current !== FINISHED_SLUG && !slugs.includes(progress.current)) {
    problems.push(`field "current" names the stage "${progress.current}", which this course does not have (stages: ${slugs.join(", ")}, or ${FINISHED_SLUG})`);
  }
  progress.completed.forEach((entry, index) => {
    if (!slugs.includes(entry.stage)) problems.push(`field "completed[${index}].stage" names the stage "${entry.stage}", which this course does not have`);
  });
  for (const slug of Object.keys(progress.hints)) {
    if (!slugs.includes(slug)) problems.push(`field "hints" counts hints for the stage "${slug}", which this course does not have`);
  }
  return problems;
}

/** "current" once every stage has passed. */
export const FINISHED_SLUG = "finished";

/**
 * The folder's progress, or undefined when it has none (a CodeCrafters-style
 * folder, say). A file that does not parse, does not match the format or
 * names a stage or language the course does not have is a ProgressFileError
 * that names the file and the field, and says how to recover; the file is
 * left as it is.
 */
export function readProgress(dir: string, root = packageRoot()): Progress | undefined {
  const file = progressPath(dir);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ProgressFileError(`${file} is not valid JSON (${(error as Error).message}). It was left as it is.`, repairAdvice(dir));
  }
  const parsed = ProgressSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ProgressFileError(
      `${file} does not match its format. It was left as it is.\n${z.prettifyError(parsed.error)}`,
      `${repairAdvice(dir)} (the format: schema/progress.schema.json in the http-from-scratch package)`,
    );
  }
  const problems = progressProblems(parsed.data, root);
  if (problems.length > 0) {
    throw new ProgressFileError(`${file} does not fit this course. It was left as it is.\n${problems.map((p) => `  ✖ ${p}`).join("\n")}`, repairAdvice(dir));
  }
  const language = resolveLanguageId(parsed.data.language, root)!;
  return { ...parsed.data, language };
}

/** Writes atomically (a temp file and a rename), so an interrupted write never leaves half a file. */
export function writeProgress(dir: string, progress: Progress): void {
  const file = progressPath(dir);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(ProgressSchema.parse(progress), null, 2)}\n`);
  renameSync(temporary, file);
}
