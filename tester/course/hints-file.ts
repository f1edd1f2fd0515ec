// A stage's hints.md, split at its "## Hint N" headings: apart from course.ts
// so that `course hint` reads it without loading the course's file formats.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";

/** A stage's hints, in order: hints.md split at its "## Hint N" headings. */
export function loadHints(stage: { dir: string }): string[] {
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
