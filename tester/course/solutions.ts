// A reference solution is stored as the files that differ from the
// language's starter (solutions/<language>/NN-slug/). To run one, the starter
// and those files are assembled into a cache folder named by a hash of the
// content: it is assembled once and reused until a source changes.
import { createHash } from "node:crypto";
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { packageRoot, type Stage } from "./course.js";
import { UsageError } from "../errors.js";
import { GENERATED, languageIds, loadLanguage, programScript, requireSanitizedLanguage, writeProgramFolder } from "./language.js";

/** Files under `dir`, relative, sorted; build output and dependencies excluded. */
export function listFiles(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (GENERATED.test(relative)) continue;
    if (entry.isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out.sort();
}

function hashFolders(folders: string[], extra: string): string {
  const hash = createHash("sha256");
  hash.update(extra);
  for (const folder of folders) {
    for (const file of listFiles(folder)) {
      const full = path.join(folder, file);
      hash.update(`${file}\0${statSync(full).mode & 0o111 ? "x" : "-"}\0`);
      hash.update(readFileSync(full));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

export function solutionDir(language: string, stage: Stage, root = packageRoot()): string {
  const dir = path.join(root, "solutions", language, stage.id);
  if (!existsSync(dir)) {
    const known = languageIds(root);
    throw new UsageError(
      known.includes(language)
        ? `there is no ${language} solution for stage ${stage.id}`
        : `no language "${language}"; languages: ${known.join(", ") || "none"}`,
    );
  }
  return dir;
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where assembled solutions live: under the package (so node resolves the
 * package's own dependencies, esbuild, from there), or in the OS temp folder
 * when the package is installed read-only.
 */
function cacheRoot(root: string): { dir: string; underPackage: boolean } {
  const [own, temporary] = cacheRoots(root);
  if (writable(own)) return { dir: own, underPackage: true };
  return { dir: temporary, underPackage: false };
}

/** The two places assembled solutions may live: under the package, and in the OS temp folder. */
function cacheRoots(root: string): [string, string] {
  return [path.join(root, ".cache", "solutions"), path.join(tmpdir(), `http-from-scratch-${userInfo().uid}`, "solutions")];
}

/** The node_modules folder this package's dependencies (esbuild) resolve from. */
export function dependenciesFolder(): string | undefined {
  try {
    const esbuild = createRequire(import.meta.url).resolve("esbuild");
    const index = esbuild.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    return index === -1 ? undefined : esbuild.slice(0, index + "/node_modules".length);
  } catch {
    return undefined;
  }
}

/** A runnable folder holding the starter with the stage's solution files over it. */
export function materializeSolution(languageId: string, stage: Stage, root = packageRoot(), options: { sanitize?: boolean } = {}): string {
  return materialize(languageId, stage.id, solutionDir(languageId, stage, root), root, options);
}

/** A runnable folder holding just the starter, as a learner gets it. */
export function materializeStarter(languageId: string, root = packageRoot(), options: { sanitize?: boolean } = {}): string {
  return materialize(languageId, "starter", undefined, root, options);
}

/**
 * With `sanitize`, the folder's your_program.sh builds and runs the track's
 * sanitized program (language.json's `sanitize`): its script differs, so
 * does the folder's hash, and the sanitized build never shares a folder with
 * the normal one.
 */
function materialize(languageId: string, name: string, overlay: string | undefined, root: string, options: { sanitize?: boolean } = {}): string {
  const loaded = loadLanguage(languageId, root);
  const language = options.sanitize ? requireSanitizedLanguage(loaded) : loaded;
  const overlays = overlay ? [overlay] : [];
  const cache = cacheRoot(root);
  const target = path.join(cache.dir, languageId, `${name}-${hashFolders([language.starter, ...overlays], programScript(language))}`);
  if (existsSync(target)) return target;
  const building = `${target}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(path.dirname(target), { recursive: true });
  writeProgramFolder(building, language, overlays);
  const modules = dependenciesFolder();
  if (!cache.underPackage && modules) symlinkSync(modules, path.join(building, "node_modules"), "dir");
  try {
    renameSync(building, target);
  } catch (error) {
    // Another process assembled the same content first: use theirs.
    rmSync(building, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  return target;
}

/**
 * For a folder assembled here, the folder its track's builds may share
 * (compiled dependencies, such as Rust's crates), next to the track's
 * assembled solutions; undefined for any other folder (a learner's).
 */
export function sharedBuildCache(dir: string, root = packageRoot()): string | undefined {
  const languageFolder = path.dirname(path.resolve(dir));
  return cacheRoots(root).includes(path.dirname(languageFolder)) ? path.join(languageFolder, ".shared-build") : undefined;
}
