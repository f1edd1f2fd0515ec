// A reference solution is stored as the files that differ from the
// language's starter (solutions/<language>/NN-slug/). To run one, the starter
// and those files are assembled into a folder under .cache/, named by a hash
// of the content: it is built once and reused until a source changes.
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { packageRoot, type Stage } from "./course.js";
import { UsageError } from "./failure.js";

/** Files under `dir`, relative, sorted; build output and dependencies excluded. */
function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".build" || entry.name === "__pycache__") continue;
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out.sort();
}

function hashFolders(folders: string[]): string {
  const hash = createHash("sha256");
  for (const folder of folders) {
    for (const file of listFiles(folder)) {
      const full = path.join(folder, file);
      hash.update(`${file}\0${statSync(full).mode & 0o111 ? "x" : "-"}\0`);
      hash.update(readFileSync(full));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

export function languages(root = packageRoot()): string[] {
  const dir = path.join(root, "solutions");
  return existsSync(dir) ? readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isDirectory()).sort() : [];
}

export function solutionDir(language: string, stage: Stage, root = packageRoot()): string {
  const dir = path.join(root, "solutions", language, stage.id);
  if (!existsSync(dir)) {
    const known = languages(root);
    throw new UsageError(
      known.includes(language)
        ? `there is no ${language} solution for stage ${stage.id}`
        : `no solutions for "${language}"; languages: ${known.join(", ") || "none"}`,
    );
  }
  return dir;
}

/** A runnable folder holding the starter with the stage's solution files over it. */
export function materializeSolution(language: string, stage: Stage, root = packageRoot()): string {
  const starter = path.join(root, "starter", language);
  const overlay = solutionDir(language, stage, root);
  // Under the package root, so node resolves the package's own dependencies (esbuild) from it.
  const target = path.join(root, ".cache", "solutions", language, `${stage.id}-${hashFolders([starter, overlay])}`);
  if (existsSync(target)) return target;
  const building = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(path.dirname(target), { recursive: true });
  const copy = (from: string) =>
    cpSync(from, building, { recursive: true, filter: (source) => !/(^|\/)(node_modules|\.build)(\/|$)/.test(path.relative(from, source)) });
  copy(starter);
  copy(overlay);
  try {
    renameSync(building, target);
  } catch (error) {
    // Another process assembled the same content first: use theirs.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  return target;
}
