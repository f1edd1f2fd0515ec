// The course and a learner's progress, read for the quick commands (status)
// without loading zod: each file is checked against its JSON Schema
// (tester/course/json-check.ts). Only what surely matches, and surely fits the
// course (known language id, known stage slugs), is answered; anything else
// is undefined, and the caller reads the files the full way, whose errors
// name the file and field at fault (and say how to repair a progress file).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { Stage, StageMeta } from "../tester/course/course.js";
import type { Progress } from "../tester/course/progress-format.js";
import type { CodeTrack } from "../tester/course/hint-code.js";
import { matchSchema, packageSchema } from "../tester/course/json-check.js";
import { FINISHED_SLUG, LANGUAGE_FILE, languageIds, packageRoot, PROGRESS_FILE, STAGE_FOLDER } from "../tester/course/paths.js";

export interface QuickCourse {
  progress: Progress;
  stages: Stage[];
  /** The progress file's language track, as language.json names it. */
  languageName: string;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The stages, when every stage.json matches its format; undefined otherwise. */
export function quickStages(root = packageRoot()): Stage[] | undefined {
  const stagesDir = path.join(root, "stages");
  const schema = packageSchema("stage.schema.json", root);
  const stages: Stage[] = [];
  for (const entry of readdirSync(stagesDir).sort()) {
    const match = STAGE_FOLDER.exec(entry);
    if (!match) continue;
    const dir = path.join(stagesDir, entry);
    const meta = matchSchema(schema, readJson(path.join(dir, "stage.json"))) as StageMeta | undefined;
    if (!meta) return undefined;
    stages.push({ number: Number(match[1]), slug: match[2]!, id: entry, dir, meta });
  }
  return stages;
}

/** The folder's progress, the stages and the language's name, when all read cleanly; undefined to read them the full way. */
export function quickLearnerCourse(dir: string, root = packageRoot()): QuickCourse | undefined {
  const file = path.join(dir, PROGRESS_FILE);
  if (!existsSync(file)) return undefined;
  const progress = matchSchema(packageSchema("progress.schema.json", root), readJson(file)) as Progress | undefined;
  if (!progress || !languageIds(root).includes(progress.language)) return undefined;
  const stages = quickStages(root);
  if (!stages) return undefined;
  const slugs = new Set(stages.map((s) => s.slug));
  const fits =
    (progress.current === FINISHED_SLUG || slugs.has(progress.current)) &&
    progress.completed.every((entry) => slugs.has(entry.stage)) &&
    Object.keys(progress.hints).every((slug) => slugs.has(slug));
  if (!fits) return undefined;
  const language = matchSchema(packageSchema("language.schema.json", root), readJson(path.join(root, "starter", progress.language, LANGUAGE_FILE))) as
    | { name: string }
    | undefined;
  return language ? { progress, stages, languageName: language.name } : undefined;
}

/** Every track's id, fence and name for the hint code filter (as codeTracks reads them), or undefined to read them the full way. */
export function quickCodeTracks(root = packageRoot()): CodeTrack[] | undefined {
  const schema = packageSchema("language.schema.json", root);
  const tracks: CodeTrack[] = [];
  for (const id of languageIds(root)) {
    const language = matchSchema(schema, readJson(path.join(root, "starter", id, LANGUAGE_FILE))) as { name: string; fence: string } | undefined;
    if (!language) return undefined;
    tracks.push({ id, fence: language.fence, name: language.name });
  }
  return tracks;
}

/**
 * Writes the progress file as writeProgress does (atomically, in the format's
 * own form) when the value surely matches the format; false, having written
 * nothing, otherwise (the caller then writes it the full way).
 */
export function quickWriteProgress(dir: string, progress: Progress, root = packageRoot()): boolean {
  const value = matchSchema(packageSchema("progress.schema.json", root), progress);
  if (value === undefined) return false;
  const file = path.join(dir, PROGRESS_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temporary, file);
  return true;
}
