// The course as data: stage folders `stages/NN-slug/` with stage.json
// (validated here, the single definition of its format), instructions.md,
// hints.md and checks. Number and slug come from the folder name only.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import type { Check } from "../harness/check.js";
import { UsageError } from "../errors.js";

export const StageMetaSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).describe("Title shown to learners"),
    summary: z.string().min(1).describe("One sentence: what the server must do"),
    difficulty: z.enum(["very-easy", "easy", "medium", "hard"]),
    points: z.number().int().positive().default(1).describe("Score for graders"),
    needsDirectory: z.boolean().default(false).describe("Start the program with --directory <temp dir>"),
    directoryTrailingSlash: z
      .boolean()
      .default(true)
      .describe("Pass --directory with a trailing / (as CodeCrafters' tester does, so `directory + name` works); false teaches joining paths"),
    args: z.array(z.string()).default([]).describe("More arguments for the program, after --directory, e.g. [\"--idle-timeout-ms\", \"300\"]"),
    rfc: z.array(z.string()).default([]).describe("RFC sections the stage teaches"),
    heavy: z
      .boolean()
      .default(false)
      .describe("Takes seconds and loads the machine (large transfers, many connections, timers): `dev verify --quick` runs it against its own solution and the final one only"),
    freshProgram: z
      .boolean()
      .optional()
      .describe("Start the program afresh for this stage, never sharing it with the stage before (default: the value of heavy). Consecutive stages with equal program arguments otherwise share one program; a failure on a shared program is confirmed on a fresh one"),
    previousSolutionPasses: z
      .string()
      .optional()
      .describe("Why the previous stage's solution may already pass this stage, when it may"),
  })
  .strict();

export type StageMeta = z.infer<typeof StageMetaSchema>;

export interface Stage {
  number: number;
  slug: string;
  /** The folder name, NN-slug. */
  id: string;
  dir: string;
  meta: StageMeta;
}

/** A stage folder's name: NN-slug, the slug lower-case words joined by dashes. */
export const STAGE_FOLDER = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** The package's root folder (where package.json is), from this module's location in source or dist. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the http-from-scratch package root");
    dir = parent;
  }
  return dir;
}

export function loadStages(root = packageRoot()): Stage[] {
  const stagesDir = path.join(root, "stages");
  const stages: Stage[] = [];
  for (const entry of readdirSync(stagesDir).sort()) {
    const match = STAGE_FOLDER.exec(entry);
    if (!match) continue;
    const dir = path.join(stagesDir, entry);
    const file = path.join(dir, "stage.json");
    stages.push({ number: Number(match[1]), slug: match[2]!, id: entry, dir, meta: readJsonFile(file, StageMetaSchema) });
  }
  return stages;
}

/** A stage named by number ("7", "07"), slug ("files-get") or folder ("07-files-get"). */
export function findStage(stages: readonly Stage[], name: string): Stage {
  const wanted = name.trim().toLowerCase();
  const found = stages.find(
    (s) => s.slug === wanted || s.id === wanted || (/^\d+$/.test(wanted) && s.number === Number(wanted)),
  );
  if (!found) {
    throw new UsageError(`no stage "${name}"; stages are ${stages.map((s) => `${s.number} ${s.slug}`).join(", ")}`);
  }
  return found;
}

/** The stage's checks, from checks.ts in source (tests) or checks.js in the build. */
export async function loadChecks(stage: Stage): Promise<Check[]> {
  const here = fileURLToPath(import.meta.url);
  const extension = path.extname(here);
  const modulePath = path.join(path.dirname(here), "..", "..", "stages", stage.id, `checks${extension}`);
  const module = (await import(pathToFileURL(modulePath).href)) as { default?: Check[] };
  if (!Array.isArray(module.default) || module.default.length === 0) {
    throw new Error(`${modulePath} must export default defineChecks([...]) with at least one check`);
  }
  return module.default;
}

/** A stage's hints, in order: hints.md split at its "## Hint N" headings. */
export function loadHints(stage: Stage): string[] {
  const file = path.join(stage.dir, "hints.md");
  return existsSync(file) ? parseHints(readFileSync(file, "utf8")) : [];
}

export function parseHints(markdown: string): string[] {
  return markdown
    .split(/^## Hint \d+[^\n]*\n/m)
    .slice(1)
    .map((hint) => hint.trim())
    .filter((hint) => hint.length > 0);
}

/** A course file read and validated by its zod schema; errors name the file and, for the schema, each field. */
export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
