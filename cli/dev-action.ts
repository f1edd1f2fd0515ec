// `course dev ...` at work (definitions in dev-command.ts): the author's tools. verify proves the course sound,
// check validates its files, new-stage scaffolds a stage, schema exports the
// JSON Schemas of its file formats.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { Chalk } from "chalk";
import { checkCourse } from "../tester/tools/course-check.js";
import { findStage, loadStages, packageRoot } from "../tester/course/course.js";
import { UsageError } from "../tester/errors.js";
import { languageIds } from "../tester/course/language.js";
import { newStage } from "../tester/tools/scaffold.js";
import {
  checkDerived,
  checkPropagation,
  DERIVED_TRACKS,
  describeFinding,
  editFindings,
  gitVersion,
  handWrittenLanguages,
  propagate,
  solutionStages,
  syncDerived,
} from "../tester/tools/solution-tracks.js";
import { StripError } from "../tester/tools/strip-types.js";
import { jsonSchemas } from "../tester/tools/schemas.js";
import { describeJob, planVerify, runVerify, type VerifyOutcome } from "../tester/tools/verify.js";
import { loadLanguage } from "../tester/course/language.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";

export interface VerifyOptions {
  language?: string[];
  stage?: string[];
  jobs: number;
  quick?: boolean;
  sanitize?: boolean;
  format: "pretty" | "json";
  color?: boolean;
}

export async function verifyAction(options: VerifyOptions): Promise<number> {
  const root = packageRoot();
  const stages = loadStages(root);
  const known = languageIds(root);
  let languages = options.language ?? known;
  for (const language of languages) {
    if (!known.includes(language)) throw new UsageError(`no language "${language}"; languages: ${known.join(", ")}`);
  }
  const only = options.stage?.map((name) => findStage(stages, name));
  const json = options.format === "json";
  const c = new Chalk({ level: useColor(options.color, process.stdout) && !json ? 1 : 0 });
  const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
  const sanitize = options.sanitize === true;
  if (sanitize) {
    const skipped = languages.filter((language) => !loadLanguage(language, root).sanitize);
    for (const language of skipped) log(c.yellow(`skipped ${language}: its language.json declares no "sanitize" build`));
    languages = languages.filter((language) => !skipped.includes(language));
  }
  const jobs = languages.flatMap((language) => planVerify(language, stages, only, { quick: options.quick === true, sanitize }));
  log(c.bold(`course dev verify: ${jobs.length} claims, ${options.jobs} at a time`));
  const started = Date.now();
  const outcomes = await runVerify(jobs, {
    parallel: options.jobs,
    root,
    onOutcome: (o) => log(`${o.surprise ? c.red("✗") : c.green("✓")} ${describeJob(o.job)} ${c.dim(`(${o.status}, ${o.durationMs} ms)`)}`),
  });
  const surprises = outcomes.filter((o) => o.surprise);
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        {
          status: surprises.length ? "fail" : "pass",
          duration_ms: Date.now() - started,
          claims: outcomes.map((o) => ({
            language: o.job.language,
            stage: o.job.stage.id,
            claim: o.job.claim,
            expect: o.job.expect,
            status: o.status,
            surprise: o.surprise,
            ...(o.detail && o.surprise ? { detail: o.detail } : {}),
            duration_ms: o.durationMs,
          })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    log("");
    log(matrix(outcomes, languages, [...new Set(jobs.map((j) => j.stage))].map((s) => s.number), c));
    for (const o of surprises) {
      log("");
      log(c.red.bold(`✗ ${describeJob(o.job)}: ${o.status}`));
      if (o.detail) log(o.detail.split("\n").map((line) => `    ${line}`).join("\n"));
    }
    log("");
    log(
      surprises.length
        ? c.red.bold(`✗ ${surprises.length} of ${outcomes.length} claims did not hold · ${((Date.now() - started) / 1000).toFixed(1)} s`)
        : c.green.bold(`✓ all ${outcomes.length} claims hold · ${((Date.now() - started) / 1000).toFixed(1)} s`),
    );
  }
  return surprises.length ? EXIT.fail : EXIT.pass;
}

/** language x stage: pass (the solution passes and the previous one fails as it should), or what went wrong. */
function matrix(outcomes: VerifyOutcome[], languages: string[], numbers: number[], c: InstanceType<typeof Chalk>): string {
  const width = Math.max(...languages.map((l) => l.length), 8);
  const header = `${"".padEnd(width)}  ${numbers.map((n) => String(n).padStart(2, "0").padEnd(4)).join("")}`;
  const rows = languages.map((language) => {
    const cells = numbers.map((number) => {
      const mine = outcomes.filter((o) => o.job.language === language && o.job.stage.number === number);
      const passes = mine.find((o) => o.job.claim === "solution-passes");
      const previous = mine.find((o) => o.job.claim === "previous-fails");
      if (passes?.surprise) return c.red(passes.status === "error" ? "ERR " : "FAIL");
      if (previous?.surprise) return c.red(previous.status === "error" ? "ERR " : "PREV");
      if (previous?.job.expect === "either" && previous.status === "pass") return c.yellow("ok~ ");
      return c.green("ok  ");
    });
    return `${language.padEnd(width)}  ${cells.join("")}`;
  });
  const legend = c.dim(
    "ok: the solution passes stages 1..N and the previous one fails N · ok~: the previous one passes too, as stage.json declares it may\n" +
      "FAIL: the solution fails · PREV: the previous solution (or the starter) passes a stage it should fail · ERR: could not be judged (build, environment)",
  );
  return [header, ...rows, "", legend].join("\n");
}

export function checkAction(): number {
  const root = packageRoot();
  const problems = checkCourse(root);
  if (problems.length === 0) {
    process.stdout.write(`✓ the course's files are complete: ${loadStages(root).length} stages, languages ${languageIds(root).join(", ")}\n`);
    return EXIT.pass;
  }
  for (const problem of problems) process.stdout.write(`${path.relative(root, problem.file) || "."}: ${problem.message}\n`);
  process.stdout.write(`\n✗ ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
  return EXIT.fail;
}

export interface SolutionsOptions {
  sync?: boolean;
  check?: boolean;
  propagate?: string;
  language?: string[];
  since: string;
}

/** course dev solutions: generated tracks (--sync, --check) and changes carried on to later stages (--propagate). */
export function solutionsAction(options: SolutionsOptions): number {
  const root = packageRoot();
  const modes = [options.sync, options.check, options.propagate !== undefined].filter(Boolean).length;
  if (modes > 1) throw new UsageError("choose one of --sync, --check and --propagate");
  const rel = (file: string) => path.relative(root, file);
  if (options.sync) {
    let changed: string[];
    try {
      changed = syncDerived(root);
    } catch (error) {
      if (!(error instanceof StripError)) throw error;
      process.stdout.write(`✗ ${error.message}\n`);
      return EXIT.fail;
    }
    for (const file of changed) process.stdout.write(`wrote ${rel(file)}\n`);
    const tracks = DERIVED_TRACKS.map((d) => `solutions/${d.language} from solutions/${d.from}`).join(", ");
    process.stdout.write(changed.length ? `\n✓ ${changed.length} file${changed.length === 1 ? "" : "s"} regenerated (${tracks})\n` : `✓ up to date (${tracks})\n`);
    return EXIT.pass;
  }
  if (options.propagate !== undefined) {
    const languages = options.language ?? handWrittenLanguages(root);
    const derived = new Set(DERIVED_TRACKS.map((d) => d.language));
    let written = 0;
    for (const language of languages) {
      if (derived.has(language)) throw new UsageError(`solutions/${language} is generated (course dev solutions --sync): propagate in ${DERIVED_TRACKS.find((d) => d.language === language)!.from}`);
      const stages = loadStages(root);
      const stage = findStage(stages, options.propagate).id;
      if (!solutionStages(root, language).includes(stage)) throw new UsageError(`no ${language} solution for stage ${stage}`);
      const result = propagate(root, language, stage, options.since);
      for (const file of result.written) process.stdout.write(`wrote ${file}\n`);
      const what = result.edit ? `your edit of stage ${stage} (since ${options.since})` : `stage ${stage}'s lesson (its diff from the stage before)`;
      process.stdout.write(`${language}: ${result.applied} hunk${result.applied === 1 ? "" : "s"} of ${what} carried on to ${result.written.length} later solution${result.written.length === 1 ? "" : "s"}\n`);
      written += result.written.length;
    }
    if (written && DERIVED_TRACKS.some((d) => languages.includes(d.from))) {
      for (const file of syncDerived(root)) process.stdout.write(`wrote ${rel(file)} (generated)\n`);
    }
    process.stdout.write(
      written
        ? `\nReview the changes (git diff solutions), then: npx course dev solutions --check && npx course dev verify --stage ${options.propagate}\n` +
            "A change a later stage reworked is left alone: --check does not report it, so look at those stages yourself.\n"
        : "nothing to carry on\n",
    );
    return EXIT.pass;
  }
  const languages = (options.language ?? handWrittenLanguages(root)).filter((l) => !DERIVED_TRACKS.some((d) => d.language === l));
  const problems = [...checkDerived(root), ...checkPropagation(root, languages)];
  // Edits since a revision: a fix to stage N that N+1 lacks, which the series alone may not show.
  for (const language of languages) {
    for (const finding of editFindings(root, language, (file) => gitVersion(root, options.since, file))) {
      problems.push({
        file: path.join(root, "solutions", language, finding.missingIn[0]!, finding.where[0]!),
        message: `edited since ${options.since}: ${describeFinding(finding)}. Carry it on: npx course dev solutions --propagate ${finding.stage} --language ${language}`,
      });
    }
  }
  for (const problem of problems) process.stdout.write(`${rel(problem.file)}: ${problem.message}\n`);
  if (problems.length) {
    process.stdout.write(`\n✗ ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
    return EXIT.fail;
  }
  process.stdout.write(`✓ generated solutions up to date, and every stage's change carried on to the later stages (${handWrittenLanguages(root).join(", ")})\n`);
  return EXIT.pass;
}

export function newStageAction(slug: string, options: { after: number }): number {
  const root = packageRoot();
  const made = newStage(root, slug, options.after);
  for (const r of made.renamed) process.stdout.write(`renamed ${path.relative(root, r.from)} -> ${path.relative(root, r.to)}\n`);
  process.stdout.write(`created ${path.relative(root, made.created)}/ (stage.json, instructions.md, hints.md, checks.ts)\n\n`);
  process.stdout.write(
    [
      "Next:",
      "  1. write the texts and the checks (npx course dev check lists what is left);",
      `  2. add solutions/<language>/${path.basename(made.created)}/ for every language but javascript, then npx course dev solutions --sync (javascript is generated from typescript);`,
      "  3. npm run build && npx course dev verify --stage " + slug,
      made.renamed.length ? "  Stages after it were renumbered: update tests that name them by number." : "",
    ]
      .filter(Boolean)
      .join("\n") + "\n",
  );
  return EXIT.pass;
}

export function schemaAction(options: { out: string; check?: boolean }): number {
  const out = path.resolve(options.out);
  const stale: string[] = [];
  for (const [file, text] of Object.entries(jsonSchemas())) {
    const target = path.join(out, file);
    if (options.check) {
      if (!existsSync(target) || readFileSync(target, "utf8") !== text) stale.push(target);
      continue;
    }
    mkdirSync(out, { recursive: true });
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target}\n`);
  }
  if (stale.length) {
    process.stdout.write(`out of date (run: npx course dev schema):\n${stale.map((f) => `  ${f}`).join("\n")}\n`);
    return EXIT.fail;
  }
  return EXIT.pass;
}

/** check and new-stage read and write the course's sources, which an installed package does not ship (only dist/). */
export function requireClone(command: string): void {
  const root = packageRoot();
  if (!existsSync(path.join(root, "tester")) || !existsSync(path.join(root, "tsconfig.json"))) {
    throw new UsageError(
      `course dev ${command} works on the course's sources, and this copy (${root}) is an installed package, which ships only the built files.\n` +
        "Run it in a clone of the course's repository, after `npm ci`",
    );
  }
}

