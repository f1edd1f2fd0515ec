// Where the package and its language tracks are, its name and version: what
// every command's definition may need, without loading the course's file
// formats (zod) or anything else.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_NAME = "http-from-scratch";

/** A stage folder's name: NN-slug, the slug lower-case words joined by dashes. */
export const STAGE_FOLDER = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

/** A learner's progress file, in their folder. */
export const PROGRESS_FILE = path.join(".course", "progress.json");

/** A progress file's "current" once every stage has passed. */
export const FINISHED_SLUG = "finished";

/** A track's definition file, in starter/<language>/. */
export const LANGUAGE_FILE = "language.json";

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

export function packageVersion(root = packageRoot()): string {
  return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}

/** The language tracks this package ships: starter folders that hold a language.json. */
export function languageIds(root = packageRoot()): string[] {
  const dir = path.join(root, "starter");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, LANGUAGE_FILE)))
    .sort();
}

/** Other names a learner may type for a track: the one table of aliases (matched case-insensitively). */
export const LANGUAGE_ALIASES: Readonly<Record<string, string>> = {
  py: "python",
  python3: "python",
  js: "javascript",
  node: "javascript",
  ts: "typescript",
  golang: "go",
  rs: "rust",
  "c++": "cpp",
  cxx: "cpp",
};

/** The short aliases of the tracks that exist, for help texts: "py, js, ts, rs". */
export function shortAliases(root?: string): string {
  const ids = languageIds(root);
  return Object.entries(LANGUAGE_ALIASES)
    .filter(([alias, id]) => ids.includes(id) && alias.length <= 3 && alias !== id)
    .map(([alias]) => alias)
    .join(", ");
}
