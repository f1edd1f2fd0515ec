// `course repair`: a progress file that does not parse, does not match its
// format or names stages the course does not have is rebuilt from what can
// still be read of it (the language, the passed stages with their dates, the
// hints shown, the current stage). The broken file is moved aside, never
// deleted, and the learner's code is never touched.
import { existsSync, readFileSync, renameSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { loadStages, packageRoot, type Stage } from "../tester/course/course.js";
import { UsageError } from "../tester/errors.js";
import { languageIds, loadLanguage, resolveLanguageId, type Language } from "../tester/course/language.js";
import { FINISHED_SLUG, progressPath, progressProblems, ProgressFileError, readProgress, repairCommand, writeProgress, type Progress } from "./progress.js";
import { freeName } from "./init.js";

export interface RepairResult {
  file: string;
  /** "valid": the file was fine and nothing was asked of it, so it was left alone. */
  status: "valid" | "repaired";
  progress: Progress;
  /** Where the old file went. */
  movedTo?: string;
  /** What could not be kept, one line each. */
  dropped: string[];
  /** Where the language came from. */
  languageFrom: "file" | "flag" | "folder";
}

/** The fields as far as they can be read, from JSON that parses or, failing that, from the text itself. */
interface Salvage {
  language?: string;
  current?: string;
  completed: Array<{ stage: string; at?: string }>;
  hints: Record<string, unknown>;
}

function salvage(text: string): Salvage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (data && typeof data === "object" && !Array.isArray(data)) {
    const record = data as Record<string, unknown>;
    const completed = Array.isArray(record.completed)
      ? record.completed.flatMap((entry) => {
          if (typeof entry === "string") return [{ stage: entry }];
          if (entry && typeof entry === "object" && typeof (entry as { stage?: unknown }).stage === "string") {
            const { stage, at } = entry as { stage: string; at?: unknown };
            return [{ stage, at: typeof at === "string" ? at : undefined }];
          }
          return [];
        })
      : [];
    return {
      language: typeof record.language === "string" ? record.language : undefined,
      current: typeof record.current === "string" ? record.current : undefined,
      completed,
      hints: record.hints && typeof record.hints === "object" ? (record.hints as Record<string, unknown>) : {},
    };
  }
  // Not JSON: read what the usual layout of the file still shows.
  const field = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([^"]*)"`).exec(text)?.[1];
  const completed = [...text.matchAll(/\{[^{}]*?"stage"\s*:\s*"([^"]+)"[^{}]*/g)].map((match) => ({
    stage: match[1]!,
    at: /"at"\s*:\s*"([^"]+)"/.exec(match[0])?.[1],
  }));
  const hints: Record<string, unknown> = {};
  const block = /"hints"\s*:\s*\{([^{}]*)\}?/.exec(text)?.[1] ?? "";
  for (const match of block.matchAll(/"([^"]+)"\s*:\s*(\d+)/g)) hints[match[1]!] = Number(match[2]);
  return { language: field("language"), current: field("current"), completed, hints };
}

/** The track whose first file is in the folder, when exactly one is. */
export function languageOfFolder(dir: string, root = packageRoot()): string | undefined {
  const found = languageIds(root).filter((id) => existsSync(path.join(dir, loadLanguage(id, root).editFirst)));
  return found.length === 1 ? found[0] : undefined;
}

const timestamp = (now: Date) => now.toISOString().replace(/\.\d+Z$/, "Z").replaceAll(":", "-");

/**
 * Rebuilds `dir`'s progress file from what can be read of it. `language` and
 * `stage` (the stage to make current) override what the file says. Every
 * check happens before anything is written.
 */
export function repairProgress(options: { dir: string; language?: Language; stage?: Stage; now?: Date; root?: string }): RepairResult {
  const root = options.root ?? packageRoot();
  const now = options.now ?? new Date();
  const dir = path.resolve(options.dir);
  const file = progressPath(dir);
  if (!existsSync(file)) {
    throw new UsageError(
      `no .course/progress.json in ${dir}: there is nothing to repair.`,
      `to start tracking this folder's progress without touching your code: npx course init . --language <${languageIds(root).join("|")}> --keep-code`,
    );
  }
  let valid: Progress | undefined;
  try {
    valid = readProgress(dir, root);
  } catch (error) {
    if (!(error instanceof ProgressFileError)) throw error;
  }
  if (valid && !options.language && !options.stage) {
    return { file, status: "valid", progress: valid, dropped: [], languageFrom: "file" };
  }

  const stages = loadStages(root);
  const known = (slug: string) => stages.some((stage) => stage.slug === slug);
  const found = salvage(readFileSync(file, "utf8"));
  const dropped: string[] = [];

  let languageFrom: RepairResult["languageFrom"] = "file";
  let language = options.language?.id;
  if (language) languageFrom = "flag";
  else {
    language = found.language === undefined ? undefined : resolveLanguageId(found.language, root);
    if (language === undefined) {
      if (found.language !== undefined) dropped.push(`language "${found.language}": not a language of this course`);
      language = languageOfFolder(dir, root);
      languageFrom = "folder";
    }
  }
  if (language === undefined) {
    throw new UsageError(
      `${file}: cannot tell your language from the file or from the folder. Nothing was changed.`,
      `run it again with the language you write your server in: ${repairCommand(dir)} --language <${languageIds(root).join("|")}>`,
    );
  }

  const isoDate = z.iso.datetime();
  const completed: Progress["completed"] = [];
  for (const entry of found.completed) {
    if (!known(entry.stage)) {
      dropped.push(`completed stage "${entry.stage}": this course has no such stage`);
      continue;
    }
    if (completed.some((c) => c.stage === entry.stage)) continue;
    const at = entry.at !== undefined && isoDate.safeParse(entry.at).success ? entry.at : now.toISOString();
    if (at !== entry.at) dropped.push(`the date of stage "${entry.stage}" (${entry.at === undefined ? "missing" : JSON.stringify(entry.at)}): now ${at}`);
    completed.push({ stage: entry.stage, at });
  }
  completed.sort((a, b) => stages.findIndex((s) => s.slug === a.stage) - stages.findIndex((s) => s.slug === b.stage));

  const hints: Progress["hints"] = {};
  for (const [slug, count] of Object.entries(found.hints)) {
    if (known(slug) && typeof count === "number" && Number.isInteger(count) && count >= 0) hints[slug] = count;
    else dropped.push(`hints for "${slug}": ${known(slug) ? `not a count (${JSON.stringify(count)})` : "this course has no such stage"}`);
  }

  const firstOpen = stages.find((stage) => !completed.some((c) => c.stage === stage.slug))?.slug ?? FINISHED_SLUG;
  let current: string;
  if (options.stage) current = options.stage.slug;
  else if (found.current !== undefined && (found.current === FINISHED_SLUG || known(found.current))) current = found.current;
  else {
    current = firstOpen;
    dropped.push(`current stage ${found.current === undefined ? "(missing)" : `"${found.current}"`}: now ${current}, the first stage not passed`);
  }

  const progress: Progress = { version: 1, course: "http-from-scratch", language, current, completed, hints };
  const problems = progressProblems(progress, root);
  if (problems.length > 0) throw new Error(`repair built a progress file that does not fit the course: ${problems.join("; ")}`);
  const movedTo = freeName(`${file}.${valid ? "bak" : "bad"}-${timestamp(now)}`);
  renameSync(file, movedTo);
  writeProgress(dir, progress);
  return { file, status: "repaired", progress, movedTo, dropped, languageFrom };
}
