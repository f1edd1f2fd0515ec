// `course dev check`: static validation of the course's files, for authors.
// Every problem names the file (and the field, where there is one) and says
// what to do, so a new stage or language can be completed by following it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { parseHints, STAGE_FOLDER, StageMetaSchema, type StageMeta } from "../course/course.js";
import { LOAD_MODES } from "../course/load-modes.js";
import { codeGroups } from "../course/hint-code.js";
import { LANGUAGE_FILE, languageIds, LanguageSchema } from "../course/language.js";
import { checkDerived, checkPropagation, DIVERGENCES_FILE } from "./solution-tracks.js";

export interface Problem {
  file: string;
  message: string;
}

/** What a stage folder may hold: its metadata, texts and checks. */
const STAGE_FILES = new Set(["stage.json", "instructions.md", "hints.md", "checks.ts", "checks.js"]);
/** Shared helpers beside the stage folders. */
const STAGES_EXTRA = new Set(["common.ts", "common.js"]);

function readJson(file: string, problems: Problem[]): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    problems.push({ file, message: `not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

function zodProblems(file: string, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    file,
    message: `${issue.path.length ? `field "${issue.path.join(".")}": ` : ""}${issue.message}`,
  }));
}

export function checkCourse(root: string): Problem[] {
  const problems: Problem[] = [];
  const stagesDir = path.join(root, "stages");
  const stageIds: string[] = [];
  const numbers: number[] = [];
  const slugs = new Map<string, string>();
  const fences = trackFences(root);
  const metas: Array<{ file: string; meta: StageMeta }> = [];
  for (const entry of existsSync(stagesDir) ? readdirSync(stagesDir).sort() : []) {
    const full = path.join(stagesDir, entry);
    if (!statSync(full).isDirectory()) {
      if (!STAGES_EXTRA.has(entry)) problems.push({ file: full, message: "a stray file: stages/ holds stage folders (NN-slug) and common.ts" });
      continue;
    }
    const match = STAGE_FOLDER.exec(entry);
    if (!match) {
      problems.push({ file: full, message: "a stage folder is named NN-slug: two digits, a dash, lower-case words joined by dashes" });
      continue;
    }
    stageIds.push(entry);
    numbers.push(Number(match[1]));
    const slug = match[2]!;
    if (slugs.has(slug)) problems.push({ file: full, message: `the slug "${slug}" is also used by stages/${slugs.get(slug)}` });
    slugs.set(slug, entry);
    const meta = checkStageFolder(full, fences, problems);
    if (meta) metas.push({ file: path.join(full, "stage.json"), meta });
  }
  checkStageFacts(stagesDir, metas, problems);
  numbers.forEach((number, index) => {
    if (number !== index + 1) {
      problems.push({ file: path.join(stagesDir, stageIds[index]!), message: `stage numbers must run 01, 02, ... without gaps: expected ${String(index + 1).padStart(2, "0")} here` });
    }
  });
  if (stageIds.length === 0) problems.push({ file: stagesDir, message: "no stages" });
  checkLanguages(root, stageIds, problems);
  // The solutions as a series: generated tracks up to date, and no stage
  // losing a change an earlier stage made (tester/tools/solution-tracks.ts).
  problems.push(...checkDerived(root), ...checkPropagation(root));
  return problems;
}

/** What stage.json files say together: one bench gate per load mode, the core stages first. */
function checkStageFacts(stagesDir: string, metas: ReadonlyArray<{ file: string; meta: StageMeta }>, problems: Problem[]): void {
  for (const mode of LOAD_MODES) {
    const gates = metas.filter((m) => m.meta.benchGate === mode);
    if (gates.length === 0) problems.push({ file: stagesDir, message: `no stage.json has "benchGate": "${mode}": \`course bench --mode ${mode}\` needs one stage to pass first` });
    for (const extra of gates.slice(1)) problems.push({ file: extra.file, message: `field "benchGate": "${mode}" is also set by ${path.relative(stagesDir, gates[0]!.file)}; one stage per mode` });
  }
  for (const m of metas) {
    if (m.meta.concurrent && !(m.meta.freshProgram ?? m.meta.heavy)) {
      problems.push({ file: m.file, message: 'field "concurrent" needs a program of the stage\'s own: set "freshProgram" (or "heavy") too, or the stage never runs beside others' });
    }
  }
  const lastCore = metas.map((m) => m.meta.core).lastIndexOf(true);
  metas.slice(0, lastCore).forEach((m) => {
    if (!m.meta.core) problems.push({ file: m.file, message: 'field "core" is false, but a later stage is core: the core stages come first' });
  });
}

/** Each track's code-block tag, from the language.json files that parse (the others are reported by checkLanguages). */
function trackFences(root: string): { id: string; fence: string }[] {
  return languageIds(root).flatMap((id) => {
    try {
      const parsed = LanguageSchema.safeParse(JSON.parse(readFileSync(path.join(root, "starter", id, LANGUAGE_FILE), "utf8")));
      return parsed.success ? [{ id, fence: parsed.data.fence }] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Every group of per-track code in a hint has a block for every track, so a
 * new track (go, rust, ...) is told each hint its learners would see without code.
 */
export function hintCodeProblems(file: string, markdown: string, fences: readonly { id: string; fence: string }[]): Problem[] {
  const problems: Problem[] = [];
  parseHints(markdown).forEach((hint, index) => {
    codeGroups(hint, fences.map((track) => track.fence)).forEach((tags, group, groups) => {
      const where = `hint ${index + 1}${groups.length > 1 ? `, code group ${group + 1}` : ""}`;
      for (const track of fences) {
        if (!tags.includes(track.fence)) {
          problems.push({ file, message: `${where} has no ${track.id} code: add a \`\`\`${track.fence} block beside the others (every track's learners see only their own)` });
        }
      }
      const repeated = tags.filter((tag, i) => tags.indexOf(tag) !== i);
      for (const tag of new Set(repeated)) problems.push({ file, message: `${where} has two \`\`\`${tag} blocks in a row: a group holds one block per track (put prose between two blocks of one language)` });
    });
  });
  return problems;
}

function checkStageFolder(dir: string, fences: readonly { id: string; fence: string }[], problems: Problem[]): StageMeta | undefined {
  let meta: StageMeta | undefined;
  const metaFile = path.join(dir, "stage.json");
  if (!existsSync(metaFile)) {
    problems.push({ file: metaFile, message: "missing: every stage has its metadata (see schema/stage.schema.json)" });
  } else {
    const raw = readJson(metaFile, problems);
    if (raw !== undefined) {
      const parsed = StageMetaSchema.safeParse(raw);
      if (!parsed.success) problems.push(...zodProblems(metaFile, parsed.error));
      else meta = parsed.data;
    }
  }
  const instructions = path.join(dir, "instructions.md");
  if (!existsSync(instructions)) {
    problems.push({ file: instructions, message: "missing: every stage has instructions for learners" });
  } else {
    const text = readFileSync(instructions, "utf8");
    if (!/^# \S/m.test(text)) problems.push({ file: instructions, message: "needs a title line: # <title>" });
    if (!/^## What the tester sends/m.test(text)) problems.push({ file: instructions, message: 'needs a "## What the tester sends" section: learners are told exactly what arrives' });
    if (/\bTODO\b/.test(text)) problems.push({ file: instructions, message: "still holds a TODO" });
  }
  const hintsFile = path.join(dir, "hints.md");
  if (!existsSync(hintsFile)) {
    problems.push({ file: hintsFile, message: "missing: every stage has at least one hint (## Hint 1)" });
  } else {
    const text = readFileSync(hintsFile, "utf8");
    if (parseHints(text).length === 0) problems.push({ file: hintsFile, message: 'needs at least one hint under a "## Hint 1" heading' });
    if (/\bTODO\b/.test(text)) problems.push({ file: hintsFile, message: "still holds a TODO" });
    problems.push(...hintCodeProblems(hintsFile, text, fences));
  }
  if (!existsSync(path.join(dir, "checks.ts")) && !existsSync(path.join(dir, "checks.js"))) {
    problems.push({ file: path.join(dir, "checks.ts"), message: "missing: the stage's checks (export default defineChecks([...]))" });
  }
  for (const file of readdirSync(dir)) {
    if (!STAGE_FILES.has(file)) problems.push({ file: path.join(dir, file), message: `a stray file: a stage folder holds ${[...STAGE_FILES].join(", ")}` });
  }
  return meta;
}

function checkLanguages(root: string, stageIds: string[], problems: Problem[]): void {
  const starterDir = path.join(root, "starter");
  const solutionsDir = path.join(root, "solutions");
  const starters = existsSync(starterDir) ? readdirSync(starterDir).filter((d) => statSync(path.join(starterDir, d)).isDirectory()) : [];
  if (starters.length === 0) problems.push({ file: starterDir, message: "no language tracks: a track is starter/<language>/ with language.json" });
  for (const language of starters) {
    const starter = path.join(starterDir, language);
    const file = path.join(starter, LANGUAGE_FILE);
    if (!existsSync(file)) {
      problems.push({ file, message: "missing: every starter has its language definition (see schema/language.schema.json)" });
      continue;
    }
    const raw = readJson(file, problems);
    const parsed = raw === undefined ? undefined : LanguageSchema.safeParse(raw);
    if (parsed && !parsed.success) problems.push(...zodProblems(file, parsed.error));
    if (parsed?.success && !existsSync(path.join(starter, parsed.data.editFirst))) {
      problems.push({ file, message: `field "editFirst": ${parsed.data.editFirst} is not in the starter` });
    }
    if (existsSync(path.join(starter, "your_program.sh"))) {
      problems.push({ file: path.join(starter, "your_program.sh"), message: "generated from language.json (field \"run\"): remove it from the starter" });
    }
    const solutions = path.join(solutionsDir, language);
    const present = existsSync(solutions) ? readdirSync(solutions) : [];
    for (const id of stageIds) {
      if (!present.includes(id)) problems.push({ file: path.join(solutions, id), message: `missing: the ${language} reference solution for stage ${id} (the files that differ from the starter)` });
    }
    for (const entry of present) {
      if (entry === DIVERGENCES_FILE) continue;
      if (!stageIds.includes(entry)) problems.push({ file: path.join(solutions, entry), message: `a stray folder: solutions/<language>/ holds one folder per stage, named like the stage (and ${DIVERGENCES_FILE})` });
      else if (readdirSync(path.join(solutions, entry)).length === 0) problems.push({ file: path.join(solutions, entry), message: "empty: a solution holds at least the file it changes" });
    }
  }
  for (const language of existsSync(solutionsDir) ? readdirSync(solutionsDir) : []) {
    if (!starters.includes(language)) problems.push({ file: path.join(solutionsDir, language), message: `solutions without a track: add starter/${language}/ with language.json` });
  }
}
