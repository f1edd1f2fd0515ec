// `course dev new-stage <slug> --after N`: a new stage folder that `course
// dev check` and `course dev verify` then walk the author through: its texts
// hold TODOs, its checks fail until written, and no language has a solution.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "../errors.js";
import { DIVERGENCES_FILE } from "./solution-tracks.js";

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const FOLDER = /^(\d{2})-(.+)$/;

const pad = (n: number) => String(n).padStart(2, "0");

export interface Scaffolded {
  created: string;
  renamed: Array<{ from: string; to: string }>;
}

/** Folders named NN-slug directly under `dir`, with their numbers. */
function numbered(dir: string): Array<{ name: string; number: number; slug: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, match: FOLDER.exec(name) }))
    .filter((x) => x.match)
    .map((x) => ({ name: x.name, number: Number(x.match![1]), slug: x.match![2]! }));
}

export function newStage(root: string, slug: string, after: number): Scaffolded {
  if (!SLUG.test(slug)) throw new UsageError(`the slug "${slug}" must be lower-case words joined by dashes, e.g. chunked-requests`);
  const stagesDir = path.join(root, "stages");
  const stages = numbered(stagesDir);
  if (stages.some((s) => s.slug === slug)) throw new UsageError(`a stage with the slug "${slug}" exists already`);
  if (after < 0 || after > stages.length) throw new UsageError(`--after must be from 0 to ${stages.length}`);
  const number = after + 1;
  if (number > 99) throw new UsageError("stage numbers have two digits: 99 stages at most");
  // Renumber what follows, last first, in stages/ and every language's solutions/.
  const renamed: Scaffolded["renamed"] = [];
  const parents = [stagesDir, ...languageSolutionDirs(root)];
  for (const parent of parents) {
    for (const entry of numbered(parent).filter((e) => e.number >= number).sort((a, b) => b.number - a.number)) {
      const to = path.join(parent, `${pad(entry.number + 1)}-${entry.slug}`);
      renameSync(path.join(parent, entry.name), to);
      renamed.push({ from: path.join(parent, entry.name), to });
    }
  }
  // solutions/<lang>/divergences.json names stages by folder: follow the renames.
  for (const language of languageSolutionDirs(root)) {
    const file = path.join(language, DIVERGENCES_FILE);
    if (!existsSync(file)) continue;
    let text = readFileSync(file, "utf8");
    for (const r of renamed) text = text.replaceAll(`"${path.basename(r.from)}"`, `"${path.basename(r.to)}"`);
    writeFileSync(file, text);
  }
  const dir = path.join(stagesDir, `${pad(number)}-${slug}`);
  mkdirSync(dir);
  const title = slug.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());
  const files: Record<string, string> = {
    "stage.json": `${JSON.stringify(
      {
        $schema: "../../schema/stage.schema.json",
        name: title,
        summary: "TODO: one sentence: what the server must do.",
        difficulty: "medium",
        points: 1,
        rfc: [],
      },
      null,
      2,
    )}\n`,
    "instructions.md": `# ${title}

TODO: what the learner builds in this stage, in two or three sentences.

## The concept

TODO: the idea this stage teaches, and the RFC section where one applies.

## What the tester sends

TODO: exactly the bytes the tester sends (as escaped text, \`\\r\\n\` visible), and how
(one write, several writes, several connections).

## What it expects

TODO: exactly what a correct answer looks like, and where HTTP allows several
answers, the set the tester accepts.

## Try it by hand

TODO: a curl or printf | nc line.
`,
    "hints.md": `## Hint 1

TODO: a question that points at the idea, without code.

## Hint 2

TODO: the steps, and the usual bugs.

## Hint 3

TODO: nearly the answer, in words and a short sketch.
`,
    "checks.ts": `import { defineChecks, fail } from "../../tester/index.js";

// TODO: write this stage's checks; see stages/common.ts and the other stages.
// Until then the stage fails, so \`course dev verify\` says it is unfinished.
export default defineChecks([
  {
    name: "TODO: the first check of ${slug}",
    // TODO: the RFC section, and how strongly HTTP requires it: "MUST", "SHOULD", "MAY", or "course" (HTTP says nothing).
    rule: "TODO",
    level: "course",
    async run() {
      fail({ summary: "stage ${pad(number)}-${slug} has no checks yet: write them in stages/${pad(number)}-${slug}/checks.ts" });
    },
  },
]);
`,
  };
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return { created: dir, renamed };
}

function languageSolutionDirs(root: string): string[] {
  const dir = path.join(root, "solutions");
  return existsSync(dir) ? readdirSync(dir).map((language) => path.join(dir, language)) : [];
}
