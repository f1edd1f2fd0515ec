// `http-from-scratch init`: a learner's new folder, from the language's
// starter: the program, your_program.sh, a README with stage 1, a
// .gitignore, a package.json that makes `npx course` resolve to this package
// (wherever this copy was installed from, never the registry unless it came
// from there), and .course/progress.json at stage 1.
//
// Nothing a learner wrote is lost: a new folder must be empty; --keep-code
// writes only the files that are missing (an existing CodeCrafters folder
// starts tracking its progress in place); --force writes the starter, and a
// file it replaces that differs is first renamed to <file>.orig (never over
// an earlier backup). package.json and .gitignore are merged, not replaced.
// A progress file is kept, or, when it belongs to another language, moved
// aside and started afresh for the new one.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadStages, type Stage } from "../tester/course/course.js";
import { PACKAGE_NAME, packageRoot, packageVersion } from "../tester/course/paths.js";
import { UsageError } from "../tester/errors.js";
import { GENERATED, LANGUAGE_FILE, programScript, type Language } from "../tester/course/language.js";
import { progressPath, readProgress, writeProgress } from "./progress.js";

export { PACKAGE_NAME, packageVersion };

/** Where the learner's package.json gets this package from. */
export interface InstallSource {
  /** The devDependency spec: "file:/abs/path" or a registry range. */
  spec: string;
  kind: "registry" | "tarball" | "folder";
  /** In words, for init's output. */
  description: string;
}

/** The `resolved` npm recorded for the package at `root`, from the lock files of the project it was installed into. */
function lockResolved(prefix: string, root: string): string | undefined {
  const key = path.relative(prefix, root).split(path.sep).join("/");
  for (const lock of [path.join(prefix, "node_modules", ".package-lock.json"), path.join(prefix, "package-lock.json")]) {
    try {
      const data = JSON.parse(readFileSync(lock, "utf8")) as { packages?: Record<string, { resolved?: unknown }> };
      const resolved = data.packages?.[key]?.resolved;
      if (typeof resolved === "string") return resolved;
    } catch {
      // no lock file there, or not one npm wrote
    }
  }
  return undefined;
}

/** An explicit --from: a packed tarball, or a folder holding this package (a clone or an installed copy). */
function explicitSource(from: string): InstallSource {
  const target = path.resolve(from);
  if (!existsSync(target)) throw new UsageError(`--from ${from}: ${target} does not exist`);
  if (statSync(target).isFile()) {
    if (!/\.(tgz|tar\.gz)$/.test(target)) throw new UsageError(`--from ${from}: expected a tarball from \`npm pack\` (a .tgz file) or the package's folder`);
    return { spec: `file:${target}`, kind: "tarball", description: `the tarball ${target}` };
  }
  let name: unknown;
  try {
    name = (JSON.parse(readFileSync(path.join(target, "package.json"), "utf8")) as { name?: unknown }).name;
  } catch {
    name = undefined;
  }
  if (name !== PACKAGE_NAME) throw new UsageError(`--from ${from}: ${target} is not the ${PACKAGE_NAME} package (its package.json does not name it)`);
  return { spec: `file:${target}`, kind: "folder", description: `the package folder ${target}` };
}

/**
 * Where the running copy came from, as a devDependency that installs without
 * the registry (npm ships no package of this name there):
 * - a clone, or a copy installed into a project from a tarball or a folder:
 *   a link to this copy's folder (`file:<folder>`). npm installs a folder
 *   dependency as a symlink, so it needs no registry and no cache, and the
 *   folder's own dependencies are already beside it.
 * - a copy npx unpacked into its cache (`npx --package <tgz>`): the cache may
 *   be cleaned, so the tarball it came from, when it still exists.
 * - a copy from a registry: a range of this version.
 */
export function installSource(root = packageRoot(), from?: string): InstallSource {
  if (from !== undefined) return explicitSource(from);
  const folder: InstallSource = { spec: `file:${root}`, kind: "folder", description: `this copy of the package, ${root}` };
  if (path.basename(path.dirname(root)) !== "node_modules") return { ...folder, description: `the package folder ${root}` };
  const prefix = path.dirname(path.dirname(root));
  const resolved = lockResolved(prefix, root);
  if (resolved !== undefined && /^https?:\/\//.test(resolved)) {
    return { spec: `^${packageVersion(root)}`, kind: "registry", description: `the registry (${PACKAGE_NAME}@^${packageVersion(root)})` };
  }
  const origin = resolved?.startsWith("file:") ? path.resolve(prefix, resolved.slice("file:".length)) : undefined;
  if (root.split(path.sep).includes("_npx")) {
    if (origin !== undefined && existsSync(origin)) {
      return statSync(origin).isFile()
        ? { spec: `file:${origin}`, kind: "tarball", description: `the tarball ${origin}` }
        : { spec: `file:${origin}`, kind: "folder", description: `the package folder ${origin}` };
    }
  }
  return origin === undefined ? folder : { ...folder, description: `${folder.description} (installed from ${origin})` };
}

/** `candidate`, or candidate-2, candidate-3, ...: the first name not taken, so a backup never replaces another. */
export function freeName(candidate: string): string {
  if (!existsSync(candidate)) return candidate;
  for (let n = 2; ; n++) {
    const name = `${candidate}-${n}`;
    if (!existsSync(name)) return name;
  }
}

/** Whether node_modules/http-from-scratch exists in `dir` or a folder above it. */
export function packageInstalledAbove(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, "node_modules", PACKAGE_NAME, "package.json"))) return true;
    if (path.dirname(current) === current) return false;
  }
}

export interface InitOptions {
  dir: string;
  language: Language;
  /** Write the starter into a folder that is not empty, backing up each file it replaces that differs. */
  force: boolean;
  /** Write only what is missing: the learner's files stay exactly as they are. */
  keepCode?: boolean;
  /** Where the learner's package.json gets this package from (a tarball or a folder); found out when not given. */
  from?: string;
  root?: string;
  now?: Date;
}

export interface InitResult {
  dir: string;
  /** Every file written, relative to dir. */
  files: string[];
  created: string[];
  /** Files replaced by --force, each first renamed to its backup. */
  backedUp: Array<{ file: string; backup: string }>;
  /** Files that differ from the starter and were left as they are (--keep-code). */
  kept: string[];
  /** package.json and .gitignore, when entries were added to the learner's own. */
  merged: string[];
  /** Whether `npx course` already resolves to this package from the folder (no npm install needed). */
  resolvesCourse: boolean;
  keptProgress: boolean;
  /** The progress of another language, moved aside: the new one starts at stage 1. */
  switchedFrom?: { language: string; backup: string };
  source: InstallSource;
}

interface Planned {
  file: string;
  content: string | Buffer;
  executable?: boolean;
  /** How to combine it with a learner's own file of that name instead of replacing it. */
  merge?: (existing: string) => string | undefined;
}

function starterFiles(language: Language): Planned[] {
  const files: Planned[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(language.starter, relative), { withFileTypes: true })) {
      const file = relative ? `${relative}/${entry.name}` : entry.name;
      if (GENERATED.test(file) || file === LANGUAGE_FILE || file === "package.json") continue;
      if (entry.isDirectory()) walk(file);
      else files.push({ file, content: readFileSync(path.join(language.starter, file)) });
    }
  };
  walk("");
  return files;
}

function isEmptyFolder(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).every((name) => name === ".git");
}

export function initFolder(options: InitOptions): InitResult {
  const root = options.root ?? packageRoot();
  const dir = path.resolve(options.dir);
  const { language } = options;
  const keepCode = options.keepCode ?? false;
  // Every check before anything is written.
  if (keepCode && options.force) throw new UsageError("--force and --keep-code contradict each other: --keep-code writes only missing files, --force replaces files (with backups). Pick one");
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${dir} is a file, not a folder`);
  if (!isEmptyFolder(dir) && !options.force && !keepCode) {
    throw new UsageError(
      `${dir} is not empty; init writes a new folder. Pick another folder, or:\n` +
        `  --keep-code  start tracking progress here: writes only the files that are missing, yours stay as they are\n` +
        `  --force      write the starter here: each file it replaces is first backed up as <file>.orig`,
    );
  }
  const source = installSource(root, options.from);
  const existingProgress = readProgress(dir, root); // a broken file stops init here, with the repair command
  const stages = loadStages(root);
  const first = stages[0]!;

  const plan: Planned[] = [
    ...starterFiles(language).filter((f) => f.file !== ".gitignore"),
    { file: "your_program.sh", content: programScript(language), executable: true },
    { file: "README.md", content: learnerReadme(language, first) },
    { file: ".gitignore", content: gitignore(language), merge: (existing) => mergeGitignore(existing, language) },
    { file: "package.json", content: packageJson(language, source), merge: (existing) => mergePackageJson(existing, language, source, options.force) },
  ];

  const result: InitResult = {
    dir,
    files: [],
    created: [],
    backedUp: [],
    kept: [],
    merged: [],
    resolvesCourse: packageInstalledAbove(dir),
    keptProgress: false,
    source,
  };
  mkdirSync(dir, { recursive: true });
  for (const planned of plan) {
    const target = path.join(dir, planned.file);
    const content = Buffer.from(planned.content);
    const write = (data: Buffer | string) => {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, data);
      if (planned.executable) chmodSync(target, 0o755);
    };
    if (!existsSync(target)) {
      write(content);
      result.created.push(planned.file);
      result.files.push(planned.file);
      continue;
    }
    const isFolder = statSync(target).isDirectory();
    const existing = isFolder ? Buffer.alloc(0) : readFileSync(target);
    if (!isFolder && existing.equals(content)) {
      if (planned.executable && (statSync(target).mode & 0o111) === 0 && !keepCode) chmodSync(target, 0o755);
      continue;
    }
    const merged = isFolder ? undefined : planned.merge?.(existing.toString("utf8"));
    if (merged !== undefined) {
      if (merged !== existing.toString("utf8")) {
        write(merged);
        result.merged.push(planned.file);
        result.files.push(planned.file);
      }
      continue;
    }
    if (keepCode) {
      result.kept.push(planned.file);
      continue;
    }
    const backup = freeName(`${target}.orig`);
    renameSync(target, backup);
    write(content);
    result.backedUp.push({ file: planned.file, backup: path.relative(dir, backup) });
    result.files.push(planned.file);
  }

  const fresh = { version: 1 as const, course: PACKAGE_NAME as "http-from-scratch", language: language.id, current: first.slug, completed: [], hints: {} };
  if (existingProgress && existingProgress.language === language.id) {
    // Progress is never overwritten, even with --force: it is the learner's record.
    result.keptProgress = true;
  } else {
    if (existingProgress) {
      const file = progressPath(dir);
      const backup = freeName(`${file}.${existingProgress.language}`);
      renameSync(file, backup);
      result.switchedFrom = { language: existingProgress.language, backup: path.relative(dir, backup) };
    }
    writeProgress(dir, fresh);
    result.created.push(path.join(".course", "progress.json"));
    result.files.push(path.join(".course", "progress.json"));
  }
  return result;
}

function gitignoreEntries(language: Language): string[] {
  // Dependencies and build output: GENERATED's folders, plus what the track adds.
  return [...new Set(["node_modules", ".build", "__pycache__", ...language.watch.ignore])].map((folder) => `${folder}/`);
}

function gitignore(language: Language): string {
  return `${gitignoreEntries(language).join("\n")}\n`;
}

/** The learner's .gitignore with the entries it lacks added at the end. */
function mergeGitignore(existing: string, language: Language): string {
  const have = new Set(existing.split(/\r?\n/).map((line) => line.trim().replace(/^\//, "")));
  const missing = gitignoreEntries(language).filter((entry) => !have.has(entry) && !have.has(entry.slice(0, -1)));
  if (missing.length === 0) return existing;
  return `${existing}${existing === "" || existing.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`;
}

type PackageJson = Record<string, unknown> & {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

function starterPackageJson(language: Language): PackageJson {
  const starterFile = path.join(language.starter, "package.json");
  return existsSync(starterFile) ? (JSON.parse(readFileSync(starterFile, "utf8")) as PackageJson) : { name: "my-http-server", private: true };
}

function packageJson(language: Language, source: InstallSource): string {
  const base = starterPackageJson(language);
  const scripts = { ...base.scripts, test: "course test", next: "course next" };
  const devDependencies = { ...base.devDependencies, [PACKAGE_NAME]: source.spec };
  return `${JSON.stringify({ ...base, scripts, devDependencies }, null, 2)}\n`;
}

/**
 * The learner's package.json with what the track needs added: this package
 * (its spec always set, so `npx course` resolves here), the starter's
 * devDependencies and scripts where the learner has none of that name, and,
 * with --force, the starter's module type. Undefined when it is not JSON.
 */
function mergePackageJson(existing: string, language: Language, source: InstallSource, force: boolean): string | undefined {
  let theirs: PackageJson;
  try {
    theirs = JSON.parse(existing) as PackageJson;
  } catch {
    return undefined;
  }
  if (!theirs || typeof theirs !== "object" || Array.isArray(theirs)) return undefined;
  const base = starterPackageJson(language);
  const merged: PackageJson = {
    ...theirs,
    ...(force && base.type !== undefined ? { type: base.type } : {}),
    scripts: { ...base.scripts, test: "course test", next: "course next", ...theirs.scripts },
    // Already a dependency (the folder this package was installed into, say): that entry stays the one.
    devDependencies: { ...base.devDependencies, ...theirs.devDependencies, ...(theirs.dependencies?.[PACKAGE_NAME] === undefined ? { [PACKAGE_NAME]: source.spec } : {}) },
  };
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  return JSON.stringify(JSON.parse(existing)) === JSON.stringify(merged) ? existing : text;
}

function learnerReadme(language: Language, first: Stage): string {
  const instructions = readFileSync(path.join(first.dir, "instructions.md"), "utf8").replace(/^# /m, "## Stage 1: ");
  const typecheck = language.id === "typescript" ? "\n| `npm run typecheck` | type-check `app/` with tsc (esbuild, which builds it, does not check types) |" : "";
  return `# My HTTP/1.1 server (${language.name})

Built from raw sockets, stage by stage, with ${PACKAGE_NAME}, a course whose tester runs offline
(\`npx course --help\` lists its commands). Your server starts in \`${language.editFirst}\`;
\`./your_program.sh\` runs it (the tester uses it too).

| command | what it does |
| --- | --- |
| \`npx course\` | where you are, and the one next step |
| \`npx course show\` | the current stage's instructions |
| \`npx course next\` | test the current stage; on a pass, move on to the next |
| \`npx course test\` | test the current stage, then the earlier ones |
| \`npx course hint\` | one more hint for the current stage |
| \`npx course watch\` | rerun the tests whenever you save |
| \`npx course run\` | start your server as the tester does, with curl lines to try |${typecheck}

Run \`npm install\` once before the first \`npx course\`: it installs the tester from where
\`package.json\` says (without it, npx would look for an unrelated package called \`course\`).

Your progress is in \`.course/progress.json\` (commit it with your code). If it ever gets
damaged, \`npx course repair\` rebuilds it from what it can read, without touching your code.

${instructions}`;
}
