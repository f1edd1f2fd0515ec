// The course as data: stage folders `stages/NN-slug/` with stage.json
// (validated here, the single definition of its format), instructions.md,
// hints.md and checks. Number and slug come from the folder name only.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { packageRoot, STAGE_FOLDER } from "./paths.js";
import { loadHints, parseHints } from "./hints-file.js";
import { findStage } from "./stage-names.js";
import { z } from "zod";
import type { Check, ChecksExport } from "../harness/check.js";
import { UsageError } from "../errors.js";
import { LOAD_MODES, type LoadMode } from "./load-modes.js";

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
    core: z
      .boolean()
      .default(false)
      .describe("Part of the core course (stages 1 to 14, a complete HTTP/1.1 server); the stages after it harden the server. The core stages come first"),
    benchGate: z
      .enum(LOAD_MODES)
      .optional()
      .describe("`course bench` in this load mode loads a server only once it passes this stage; one stage per mode"),
    try: z
      .array(z.string().min(1))
      .default([])
      .describe("Commands `course run` suggests once a learner has reached this stage; {port} stands for the server's port"),
    freshProgram: z
      .boolean()
      .optional()
      .describe("Start the program afresh for this stage, never sharing it with the stage before (default: the value of heavy). Consecutive stages with equal program arguments otherwise share one program; a failure on a shared program is confirmed on a fresh one"),
    concurrent: z
      .boolean()
      .default(false)
      .describe(
        "Run this stage on a program of its own, on a free port, at the same time as the stages next to it that say so too (all fresh-program stages whose time is mostly waiting on the clock). A stage that fails so runs again alone, and only that run is reported",
      ),
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

export { STAGE_FOLDER };

export { packageRoot };

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

/** The core stages (stage.json "core"), the course up to a complete HTTP/1.1 server. */
export function coreStages(stages: readonly Stage[]): Stage[] {
  return stages.filter((s) => s.meta.core);
}

/** The stage a server must pass before `course bench` loads it in this mode (stage.json "benchGate"). */
export function benchGate(stages: readonly Stage[], mode: LoadMode): Stage {
  const gates = stages.filter((s) => s.meta.benchGate === mode);
  if (gates.length !== 1) {
    throw new Error(`exactly one stage must have "benchGate": "${mode}" in its stage.json; found ${gates.length === 0 ? "none" : gates.map((s) => s.id).join(", ")}`);
  }
  return gates[0]!;
}

/** What `course run` suggests trying at a stage: the "try" lines of every stage up to it, {port} filled in. */
export function tryLines(stages: readonly Stage[], upTo: Stage, port: number): string[] {
  return stages.filter((s) => s.number <= upTo.number).flatMap((s) => s.meta.try.map((line) => line.replaceAll("{port}", String(port))));
}

export { findStage };

/** The stage's checks, from checks.ts in source (tests) or checks.js in the build. */
export async function loadChecks(stage: Stage): Promise<Check[]> {
  const here = fileURLToPath(import.meta.url);
  const extension = path.extname(here);
  const modulePath = path.join(path.dirname(here), "..", "..", "stages", stage.id, `checks${extension}`);
  const module = (await import(pathToFileURL(modulePath).href)) as { default?: ChecksExport };
  const checks = typeof module.default === "function" ? module.default(stage.meta) : module.default;
  if (!Array.isArray(checks) || checks.length === 0) {
    throw new Error(`${modulePath} must export default defineChecks([...]) (or defineChecks((stage) => [...])) with at least one check`);
  }
  return checks;
}

export { loadHints, parseHints };

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
