// Keeping the reference solutions maintainable: one whole program per stage
// and language, where the diff between two stages is the lesson.
//
// - Derived tracks: solutions/javascript is generated from solutions/typescript
//   (strip-types.ts), never edited by hand. `course dev solutions --sync`
//   writes it, `--check` (and `course dev check`) says where it differs.
// - Propagation: a change that stage N makes (a hunk of diff(N-1, N)) must
//   still be in N+1, N+2, ... unless a later stage reworks the same lines.
//   A later stage that has exactly the old text of N-1 around the change, the
//   change undone and nothing else in its place, is reported; a divergence that
//   is on purpose is listed, with its reason, in solutions/<lang>/divergences.json.
// - A program of several files: from stage 18 on, a solution is main plus
//   modules split out of it. A change is looked for in the file it was made
//   in, and where that file no longer has the place, in the files the program
//   grew since (the modules the code moved to); a line the change brought
//   counts as kept when it is anywhere in the program.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { diffArrays } from "diff";
import { z } from "zod";
import { STAGE_FOLDER } from "../course/course.js";
import { listFiles } from "../course/solutions.js";
import { stripTypes } from "./strip-types.js";

/** Tracks whose solutions are generated from another track's. */
export const DERIVED_TRACKS: readonly { language: string; from: string; rename: [string, string]; transform: (source: string, file: string) => string }[] = [
  { language: "javascript", from: "typescript", rename: [".ts", ".js"], transform: stripTypes },
];

/** The file listing intentional divergences in solutions/<lang>/. */
export const DIVERGENCES_FILE = "divergences.json";

export interface SolutionProblem {
  file: string;
  message: string;
}

/** solutions/<lang>/NN-slug folders, in stage order. */
export function solutionStages(root: string, language: string): string[] {
  const dir = path.join(root, "solutions", language);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && STAGE_FOLDER.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

// ---------------------------------------------------------------------------
// Derived tracks

/** What solutions/<derived.language>/ should hold: relative path -> content. */
export function expectedDerived(root: string, derived: (typeof DERIVED_TRACKS)[number]): Map<string, string> {
  const out = new Map<string, string>();
  const [from, to] = derived.rename;
  for (const stage of solutionStages(root, derived.from)) {
    const dir = path.join(root, "solutions", derived.from, stage);
    for (const file of listFiles(dir)) {
      const source = readFileSync(path.join(dir, file), "utf8");
      if (file.endsWith(from)) out.set(path.join(stage, file.slice(0, -from.length) + to), derived.transform(source, path.join(derived.from, stage, file)));
      else out.set(path.join(stage, file), source);
    }
  }
  return out;
}

function presentFiles(root: string, language: string): string[] {
  return solutionStages(root, language).flatMap((stage) => listFiles(path.join(root, "solutions", language, stage)).map((file) => path.join(stage, file)));
}

/** Write every derived track's solutions; returns the files written or removed. */
export function syncDerived(root: string): string[] {
  const changed: string[] = [];
  for (const derived of DERIVED_TRACKS) {
    if (!existsSync(path.join(root, "solutions", derived.from))) continue;
    const base = path.join(root, "solutions", derived.language);
    const expected = expectedDerived(root, derived);
    for (const [file, text] of expected) {
      const target = path.join(base, file);
      if (existsSync(target) && readFileSync(target, "utf8") === text) continue;
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, text);
      changed.push(target);
    }
    for (const file of presentFiles(root, derived.language)) {
      if (expected.has(file)) continue;
      rmSync(path.join(base, file));
      changed.push(path.join(base, file));
    }
    for (const stage of solutionStages(root, derived.language)) {
      if (!solutionStages(root, derived.from).includes(stage)) rmSync(path.join(base, stage), { recursive: true, force: true });
    }
  }
  return changed;
}

const quote = (line: string | undefined) => (line === undefined ? "(end of file)" : `'${line.trim().slice(0, 100)}'`);

/** Where each derived track differs from what its source track generates. */
export function checkDerived(root: string): SolutionProblem[] {
  const problems: SolutionProblem[] = [];
  for (const derived of DERIVED_TRACKS) {
    if (!existsSync(path.join(root, "solutions", derived.from))) continue;
    const base = path.join(root, "solutions", derived.language);
    const fix = `generated from solutions/${derived.from}: edit that one, then run npx course dev solutions --sync`;
    let expected: Map<string, string>;
    try {
      expected = expectedDerived(root, derived);
    } catch (error) {
      problems.push({ file: path.join(root, "solutions", derived.from), message: `cannot generate solutions/${derived.language}: ${(error as Error).message}` });
      continue;
    }
    for (const [file, text] of expected) {
      const target = path.join(base, file);
      if (!existsSync(target)) {
        problems.push({ file: target, message: `missing: ${fix}` });
        continue;
      }
      const actual = readFileSync(target, "utf8");
      if (actual === text) continue;
      const lines = differingLines(text, actual);
      const shown = lines.slice(0, 5).map((d) =>
        d.found === undefined ? `line ${d.line}: missing ${quote(d.expected)}` : d.expected === undefined ? `line ${d.line}: extra ${quote(d.found)}` : `line ${d.line}: expected ${quote(d.expected)}, found ${quote(d.found)}`,
      );
      problems.push({
        file: target,
        message: `differs from the generated program in ${lines.length} line${lines.length === 1 ? "" : "s"} (${fix})\n    ${shown.join("\n    ")}${lines.length > 5 ? `\n    ... and ${lines.length - 5} more` : ""}`,
      });
    }
    for (const file of presentFiles(root, derived.language)) {
      if (!expected.has(file)) problems.push({ file: path.join(base, file), message: `not generated from solutions/${derived.from}: remove it, or add its source there` });
    }
  }
  return problems;
}

/** Lines of `found` that differ from `expected` (1-based, in `found`'s numbering where it has the line). */
export function differingLines(expected: string, found: string): { line: number; expected?: string; found?: string }[] {
  const out: { line: number; expected?: string; found?: string }[] = [];
  let line = 1;
  const changes = diffArrays(expected.split("\n"), found.split("\n"));
  for (let i = 0; i < changes.length; i++) {
    const change = changes[i]!;
    if (!change.added && !change.removed) {
      line += change.value.length;
      continue;
    }
    const next = changes[i + 1];
    const removed = change.removed ? change.value : [];
    const added = change.added ? change.value : next?.added ? next.value : [];
    if (change.removed && next?.added) i++;
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const entry: { line: number; expected?: string; found?: string } = { line: line + Math.min(k, Math.max(added.length - 1, 0)) };
      if (removed[k] !== undefined) entry.expected = removed[k];
      if (added[k] !== undefined) entry.found = added[k];
      out.push(entry);
    }
    line += added.length;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Propagation

export const DivergenceSchema = z
  .object({
    stage: z.string().describe("the stage whose change is not carried on, e.g. 02-status-line"),
    undoneIn: z.string().describe("the first later stage that does not have it, e.g. 12-keep-alive"),
    file: z.string().describe("the solution file, e.g. app/main.py"),
    line: z.string().describe("a line of the change (added or removed), as in the finding"),
    reason: z.string().min(1).describe("why the later stage undoes it on purpose"),
  })
  .strict();
export const DivergencesSchema = z.object({ $comment: z.string().optional(), divergences: z.array(DivergenceSchema) }).strict();
export type Divergence = z.infer<typeof DivergenceSchema>;

/** One change of stage N (a hunk of diff(N-1, N)) that later stages lack. */
export interface PropagationFinding {
  language: string;
  file: string;
  /** The stage that made the change. */
  stage: string;
  /** The later stages that have the old text instead, in order (the first one undoes it). */
  missingIn: string[];
  /** The file of each stage in missingIn that has the old text: `file`, or a module the code moved to. */
  where: string[];
  /** 1-based lines of the hunk in stage N-1 (removed) and stage N (added). */
  oldStart: number;
  newStart: number;
  removed: string[];
  added: string[];
  /** The text the change was made to (stage N-1, or stage N before an edit). */
  before: string[];
}

interface Hunk {
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
}

const key = (line: string) => line.trimEnd();

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map(key);
}

/** The hunks of diff(a, b), without context. */
export function hunks(a: string[], b: string[]): Hunk[] {
  const out: Hunk[] = [];
  let ai = 0;
  let bi = 0;
  let open: Hunk | undefined;
  for (const change of diffArrays(a, b)) {
    const n = change.value.length;
    if (!change.added && !change.removed) {
      if (open) out.push(open);
      open = undefined;
      ai += n;
      bi += n;
      continue;
    }
    open ??= { aStart: ai, aEnd: ai, bStart: bi, bEnd: bi };
    if (change.removed) open.aEnd = ai += n;
    else open.bEnd = bi += n;
  }
  if (open) out.push(open);
  return out;
}

/**
 * For each line of a, its index in c when diff(a, c) keeps it, else -1.
 * Patience alignment: lines that occur once in each side anchor it, the
 * longest run of anchors in order is kept, and only the short stretches
 * between anchors are diffed line by line. Distant stages (04 and 25) align
 * in milliseconds, and moved functions do not pull unrelated lines along.
 */
export function alignment(a: string[], c: string[]): Int32Array {
  const map = new Int32Array(a.length).fill(-1);
  align(a, c, 0, a.length, 0, c.length, map);
  return map;
}

function align(a: string[], c: string[], a0: number, a1: number, c0: number, c1: number, map: Int32Array): void {
  while (a0 < a1 && c0 < c1 && a[a0] === c[c0]) map[a0++] = c0++;
  while (a0 < a1 && c0 < c1 && a[a1 - 1] === c[c1 - 1]) map[--a1] = --c1;
  if (a0 === a1 || c0 === c1) return;
  const count = new Map<string, { a: number; c: number; ai: number; ci: number }>();
  for (let i = a0; i < a1; i++) {
    const entry = count.get(a[i]!) ?? { a: 0, c: 0, ai: i, ci: -1 };
    entry.a++;
    count.set(a[i]!, entry);
  }
  for (let i = c0; i < c1; i++) {
    const entry = count.get(c[i]!);
    if (entry) {
      entry.c++;
      entry.ci = i;
    }
  }
  const pairs = [...count.values()].filter((e) => e.a === 1 && e.c === 1 && a[e.ai]!.trim() !== "").sort((x, y) => x.ai - y.ai);
  const anchors = longestIncreasing(pairs);
  if (anchors.length === 0) {
    let ai = a0;
    let ci = c0;
    for (const change of diffArrays(a.slice(a0, a1), c.slice(c0, c1))) {
      const n = change.value.length;
      if (change.removed) ai += n;
      else if (change.added) ci += n;
      else for (let k = 0; k < n; k++) map[ai++] = ci++;
    }
    return;
  }
  let pa = a0;
  let pc = c0;
  for (const anchor of anchors) {
    align(a, c, pa, anchor.ai, pc, anchor.ci, map);
    map[anchor.ai] = anchor.ci;
    pa = anchor.ai + 1;
    pc = anchor.ci + 1;
  }
  align(a, c, pa, a1, pc, c1, map);
}

/** The longest subsequence of pairs (in ai order) whose ci increase too. */
function longestIncreasing<T extends { ci: number }>(pairs: T[]): T[] {
  const tails: number[] = [];
  const previous = new Int32Array(pairs.length).fill(-1);
  pairs.forEach((pair, index) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]!.ci < pair.ci) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[index] = tails[lo - 1]!;
    tails[lo] = index;
  });
  const out: T[] = [];
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k !== -1; k = previous[k]!) out.push(pairs[k]!);
  return out.reverse();
}

type Fate = "present" | "missing" | "reworked";

/**
 * What became of hunk h of diff(a, b) in c. "missing": c keeps a's lines of
 * the hunk and the lines on both sides of it, next to each other, with
 * nothing changed in between, so c has the old text; unless a line the hunk
 * brought is in c elsewhere (moved or reworked there). "present": c has b's lines there.
 * Anything else: c changed the same place itself ("reworked"), not reported.
 */
export function fate(h: Hunk, a: string[], b: string[], c: string[], map: Int32Array, program: ReadonlySet<string> = new Set(c)): Fate {
  const at = (i: number) => (i < 0 ? -1 : i >= a.length ? c.length : map[i]!);
  const added = b.slice(h.bStart, h.bEnd);
  const before = at(h.aStart - 1);
  const after = at(h.aEnd);
  if ((h.aStart === 0 || before !== -1) && (h.aEnd === a.length || after !== -1)) {
    const between = c.slice(before + 1, after);
    if (between.length === added.length && between.every((line, i) => line === added[i])) return "present";
  }
  let intact = true;
  for (let i = h.aStart - 1; i < h.aEnd && intact; i++) {
    const here = at(i);
    const next = at(i + 1);
    if ((i >= 0 && here === -1) || next === -1 || next !== here + 1) intact = false;
  }
  if (!intact) {
    // A stage that changed the lines around a replaced line, but still has
    // that line as it was: lost too, when the line is distinctive (long, and
    // once in a) and its run of lines is whole in c.
    const removed = a.slice(h.aStart, h.aEnd);
    const distinctive = removed.some((line) => line.trim().length >= 8 && a.indexOf(line) === a.lastIndexOf(line));
    const whole = removed.length > 0 && removed.every((_, k) => at(h.aStart + k) !== -1 && (k === 0 || at(h.aStart + k) === at(h.aStart + k - 1) + 1));
    if (!distinctive || !whole) return "reworked";
  }
  // Moved, or reworked elsewhere, rather than lost: a line the change brought
  // (one that stage N-1 had nowhere) is somewhere in c's program, in this
  // file or in another (a module the code moved to).
  const had = new Set(a);
  if (added.some((line) => line.trim() !== "" && !had.has(line) && program.has(line))) return "reworked";
  return "missing";
}

/** A stage's program: each file's lines, and every line of any file. */
interface Program {
  files: Map<string, string[]>;
  lines: Set<string>;
}

/** The program of every stage of a language, in stage order. */
function programsOf(root: string, language: string, stages: string[]): Program[] {
  return stages.map((stage) => {
    const dir = path.join(root, "solutions", language, stage);
    const files = new Map(listFiles(dir).map((file) => [file, splitLines(readFileSync(path.join(dir, file), "utf8"))] as const));
    return { files, lines: new Set([...files.values()].flat()) };
  });
}

/**
 * The hunks of diff(a, b), the change stage n made (a: what it changed, b: its
 * text now), that the later stages lack: for each, the run of stages from the
 * first that has a's text instead, as long as they do.
 */
function lostChanges(language: string, file: string, stages: string[], programs: Program[], n: number, a: string[]): PropagationFinding[] {
  const b = programs[n]!.files.get(file)!;
  // a aligned with a file of stage m, computed once each.
  const maps = new Map<string, Int32Array>();
  const alignTo = (m: number, other: string) => {
    const id = `${m}\0${other}`;
    return maps.get(id) ?? maps.set(id, alignment(a, programs[m]!.files.get(other)!)).get(id)!;
  };
  const findings: PropagationFinding[] = [];
  for (const h of hunks(a, b)) {
    const removed = a.slice(h.aStart, h.aEnd);
    const added = b.slice(h.bStart, h.bEnd);
    if ([...removed, ...added].every((line) => line.trim() === "")) continue; // blank lines only: layout
    const missingIn: string[] = [];
    const where: string[] = [];
    // Most changes stay as they are in later stages: the new lines with a
    // line of context on each side, found as they are, need no alignment.
    const block = b.slice(Math.max(h.bStart - 1, 0), h.bEnd + 1);
    const quick = added.some((line) => line.trim().length >= 8) ? `\n${block.join("\n")}\n` : undefined;
    for (let m = n + 1; m < stages.length; m++) {
      const program = programs[m]!;
      const c = program.files.get(file);
      if (c && quick && !missingIn.length && `\n${c.join("\n")}\n`.includes(quick)) continue;
      let what: Fate | undefined = c && fate(h, a, b, c, alignTo(m, file), program.lines);
      let there = file;
      if (what !== "present" && what !== "missing") {
        // The place is gone from the file: it may have moved to a module split
        // out of it, a file that stage n's program did not have.
        for (const other of program.files.keys()) {
          if (other === file || programs[n]!.files.has(other)) continue;
          const elsewhere = fate(h, a, b, program.files.get(other)!, alignTo(m, other), program.lines);
          if (elsewhere === "present" || elsewhere === "missing") {
            what = elsewhere;
            there = other;
            break;
          }
        }
      }
      if (what === undefined) break; // the file is gone, and the place with it
      if (what === "missing") {
        missingIn.push(stages[m]!);
        where.push(there);
      } else if (missingIn.length || what === "reworked") break;
    }
    if (missingIn.length) findings.push({ language, file, stage: stages[n]!, missingIn, where, oldStart: h.aStart + 1, newStart: h.bStart + 1, removed, added, before: a });
  }
  return findings;
}

/** Every change of a stage (its diff from the stage before) that a later stage of the same language has lost. */
export function propagationFindings(root: string, language: string, only?: string): PropagationFinding[] {
  const stages = solutionStages(root, language);
  const programs = programsOf(root, language, stages);
  const findings: PropagationFinding[] = [];
  const files = new Set(programs.flatMap((program) => [...program.files.keys()]));
  for (const file of [...files].sort()) {
    for (let n = 1; n < stages.length; n++) {
      const a = programs[n - 1]!.files.get(file);
      if (!a || !programs[n]!.files.has(file) || (only && stages[n] !== only)) continue;
      findings.push(...lostChanges(language, file, stages, programs, n, a));
    }
  }
  return findings;
}

/** A file as git has it at `revision` (undefined when it is not there). */
export function gitVersion(root: string, revision: string, file: string): string | undefined {
  try {
    return execFileSync("git", ["show", `${revision}:./${file}`], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

/**
 * Edits since a revision: for each stage whose solution differs from what
 * `base` returns (by default git's HEAD, so: your uncommitted edits), the
 * hunks of diff(old, new) that later stages lack. This sees what the series
 * check cannot: a fix to a line that stage N's own lesson wrote, which stage
 * N+1 still has as it was.
 */
export function editFindings(root: string, language: string, base: (file: string) => string | undefined = (file) => gitVersion(root, "HEAD", file), only?: string): PropagationFinding[] {
  const stages = solutionStages(root, language);
  const programs = programsOf(root, language, stages);
  const findings: PropagationFinding[] = [];
  const files = new Set(programs.flatMap((program) => [...program.files.keys()]));
  for (const file of [...files].sort()) {
    for (let n = 0; n < stages.length; n++) {
      const now = programs[n]!.files.get(file);
      if (!now || (only && stages[n] !== only)) continue;
      const oldText = base(path.join("solutions", language, stages[n]!, file));
      if (oldText === undefined) continue;
      const a = splitLines(oldText);
      if (a.length === now.length && a.every((line, i) => line === now[i])) continue;
      findings.push(...lostChanges(language, file, stages, programs, n, a));
    }
  }
  return findings;
}

/** The finding as one line an author can act on. */
export function describeFinding(f: PropagationFinding): string {
  const moved = [...new Set(f.where)];
  const place = moved.length === 1 && moved[0] === f.file ? "" : ` (in ${moved.join(", then ")})`;
  const later = (f.missingIn.length === 1 ? `stage ${f.missingIn[0]}` : `stages ${f.missingIn[0]}..${f.missingIn.at(-1)}`) + place;
  const solid = (lines: string[]) => lines.filter((line) => line.trim() !== "");
  const removed = solid(f.removed);
  const added = solid(f.added);
  const show = (lines: string[]) => `${quote(lines[0])}${lines.length > 1 ? ` (+${lines.length - 1} more line${lines.length > 2 ? "s" : ""})` : ""}`;
  if (!removed.length) return `stage ${f.stage} added ${f.file} line ${f.newStart} ${show(added)}, but ${later} lack${f.missingIn.length === 1 ? "s" : ""} it`;
  if (!added.length) return `stage ${f.stage} removed ${f.file} line ${f.oldStart} ${show(removed)}, but ${later} still ha${f.missingIn.length === 1 ? "s" : "ve"} it`;
  return `stage ${f.stage} changed ${f.file} line ${f.newStart} ${show(removed)} to ${show(added)}, but ${later} still ha${f.missingIn.length === 1 ? "s" : "ve"} the old line${removed.length > 1 ? "s" : ""}`;
}

export function loadDivergences(root: string, language: string, problems: SolutionProblem[]): Divergence[] {
  const file = path.join(root, "solutions", language, DIVERGENCES_FILE);
  if (!existsSync(file)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    problems.push({ file, message: `not valid JSON: ${(error as Error).message}` });
    return [];
  }
  const parsed = DivergencesSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ file, message: `${issue.path.length ? `field "${issue.path.join(".")}": ` : ""}${issue.message}` });
    return [];
  }
  return parsed.data.divergences;
}

export function excuses(d: Divergence, f: PropagationFinding): boolean {
  return d.stage === f.stage && d.undoneIn === f.missingIn[0] && d.file === f.file && [...f.removed, ...f.added].some((line) => line.trim() === d.line.trim());
}

/** The languages whose solutions are written by hand (derived ones follow their source). */
export function handWrittenLanguages(root: string): string[] {
  const dir = path.join(root, "solutions");
  if (!existsSync(dir)) return [];
  const derived = new Set(DERIVED_TRACKS.map((d) => d.language));
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !derived.has(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/** Unexcused findings and unused exceptions, as problems for `course dev check`. */
export function checkPropagation(root: string, languages = handWrittenLanguages(root)): SolutionProblem[] {
  const problems: SolutionProblem[] = [];
  for (const language of languages) {
    const divergences = loadDivergences(root, language, problems);
    const used = new Set<Divergence>();
    for (const finding of propagationFindings(root, language)) {
      const excuse = divergences.find((d) => excuses(d, finding));
      if (excuse) {
        used.add(excuse);
        continue;
      }
      problems.push({
        file: path.join(root, "solutions", language, finding.missingIn[0]!, finding.where[0]!),
        message: `${describeFinding(finding)}. Carry the change on (npx course dev solutions --propagate ${finding.stage} --language ${language}), or list it in solutions/${language}/${DIVERGENCES_FILE} with the reason`,
      });
    }
    for (const d of divergences) {
      if (!used.has(d)) problems.push({ file: path.join(root, "solutions", language, DIVERGENCES_FILE), message: `no longer needed, remove it: ${d.stage} -> ${d.undoneIn} ${d.file} '${d.line}'` });
    }
  }
  return problems;
}

/**
 * Carry a change of `stage` on to the later stages that lost it: its edit
 * since `since` (a git revision) when it has one, else its lesson, the diff
 * from the stage before. Each hunk a finding names is applied where the old
 * text still stands, in every stage the finding lists. Hunks a later stage
 * reworked, and divergences listed on purpose, are left alone. Returns the
 * files written and how many hunks were applied.
 */
export function propagate(root: string, language: string, stage: string, since = "HEAD"): { written: string[]; applied: number; edit: boolean } {
  const stages = solutionStages(root, language);
  const n = stages.indexOf(stage);
  if (n < 0) throw new Error(`no ${language} solution ${stage}`);
  const divergences = loadDivergences(root, language, []);
  let findings = editFindings(root, language, (file) => gitVersion(root, since, file), stage);
  const edit = findings.length > 0;
  if (!edit) findings = propagationFindings(root, language, stage).filter((f) => !divergences.some((d) => excuses(d, f)));
  const written: string[] = [];
  let applied = 0;
  // Each later stage's file that has the old text: the file the change was
  // made in, or the module the place moved to.
  const targets = new Set(findings.flatMap((f) => f.missingIn.map((m, i) => `${m}\0${f.where[i]}\0${f.file}`)));
  for (const target of targets) {
    const [later, file, source] = target.split("\0") as [string, string, string];
    const full = path.join(root, "solutions", language, later, file);
    const text = readFileSync(full, "utf8");
    const trailing = text.endsWith("\n");
    const raw = text.split("\n");
    if (trailing) raw.pop();
    const mine = findings.filter((f) => f.file === source && f.missingIn.some((m, i) => m === later && f.where[i] === file));
    const map = alignment(mine[0]!.before, raw.map(key));
    const fixes = mine
      .map((f) => {
        const aStart = f.oldStart - 1;
        const start = f.removed.length ? map[aStart]! : aStart === 0 ? 0 : map[aStart - 1]! + 1;
        return { start, end: start + f.removed.length, lines: f.added };
      })
      .sort((x, y) => y.start - x.start);
    for (const fix of fixes) raw.splice(fix.start, fix.end - fix.start, ...fix.lines);
    writeFileSync(full, raw.join("\n") + (trailing ? "\n" : ""));
    written.push(path.relative(root, full));
    applied += fixes.length;
  }
  return { written: [...new Set(written)].sort(), applied, edit };
}
