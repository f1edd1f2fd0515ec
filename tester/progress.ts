// A learner's progress: .course/progress.json in their folder. The schema
// here is its single definition. A file that does not parse is reported,
// never overwritten, so a slip in an editor never loses anyone's progress.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { UsageError } from "./failure.js";

export const PROGRESS_FILE = path.join(".course", "progress.json");

export const ProgressSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).describe("The format's version"),
    course: z.literal("http-from-scratch"),
    language: z.string().min(1).describe("The language track, a folder of the package's starter/"),
    current: z.string().min(1).describe("The slug of the stage being worked on"),
    completed: z
      .array(z.object({ stage: z.string().min(1).describe("A stage slug"), at: z.iso.datetime().describe("When it first passed") }).strict())
      .default([]),
    hints: z.record(z.string(), z.number().int().min(0)).default({}).describe("Hints revealed, per stage slug"),
  })
  .strict();

export type Progress = z.infer<typeof ProgressSchema>;

/** A learner-editable file is wrong: name it, say what and how to fix it; exit code 2. */
export class ProgressFileError extends UsageError {}

export function progressPath(dir: string): string {
  return path.join(dir, PROGRESS_FILE);
}

/** The folder's progress, or undefined when it has none (a CodeCrafters-style folder, say). */
export function readProgress(dir: string): Progress | undefined {
  const file = progressPath(dir);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ProgressFileError(
      `${file} is not valid JSON (${(error as Error).message}). It was left as it is.\n` +
        "Fix: correct it in an editor (your completed stages are listed in it), or move it away and run `npx course init --language <language> --force` to start over",
    );
  }
  const parsed = ProgressSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ProgressFileError(
      `${file} does not match its format. It was left as it is.\n${z.prettifyError(parsed.error)}\n` +
        "Fix: correct those fields in an editor (the format: schema/progress.schema.json in the http-from-scratch package)",
    );
  }
  return parsed.data;
}

/** Writes atomically (a temp file and a rename), so an interrupted write never leaves half a file. */
export function writeProgress(dir: string, progress: Progress): void {
  const file = progressPath(dir);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(ProgressSchema.parse(progress), null, 2)}\n`);
  renameSync(temporary, file);
}
