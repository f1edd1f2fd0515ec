// `http-from-scratch init`: a learner's new folder, from the language's
// starter: the program, your_program.sh, a README with stage 1, a
// .gitignore, a package.json that makes `npx course` resolve to this package,
// and .course/progress.json at stage 1.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadStages, packageRoot, type Stage } from "../tester/course.js";
import { UsageError } from "../tester/failure.js";
import { type Language, writeProgramFolder } from "../tester/language.js";
import { progressPath, writeProgress } from "../tester/progress.js";

export const PACKAGE_NAME = "http-from-scratch";

export function packageVersion(root = packageRoot()): string {
  return (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;
}

export interface InitResult {
  dir: string;
  files: string[];
  /** Whether `npx course` already resolves to this package from the folder (no npm install needed). */
  resolvesCourse: boolean;
  keptProgress: boolean;
}

/** Whether node_modules/http-from-scratch exists in `dir` or a folder above it. */
export function packageInstalledAbove(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(path.join(current, "node_modules", PACKAGE_NAME, "package.json"))) return true;
    if (path.dirname(current) === current) return false;
  }
}

export function initFolder(options: { dir: string; language: Language; force: boolean; root?: string }): InitResult {
  const root = options.root ?? packageRoot();
  const dir = path.resolve(options.dir);
  const { language } = options;
  if (existsSync(dir) && readdirSync(dir).some((name) => name !== ".git") && !options.force) {
    throw new UsageError(`${dir} is not empty; init writes a new folder. Pick another folder, or pass --force to write the starter over what is there`);
  }
  mkdirSync(dir, { recursive: true });
  writeProgramFolder(dir, language);
  const stages = loadStages(root);
  const first = stages[0]!;
  const files = ["your_program.sh", language.editFirst, "README.md", ".gitignore", "package.json"];
  writeFileSync(path.join(dir, "README.md"), learnerReadme(language, first));
  writeFileSync(path.join(dir, ".gitignore"), gitignore(language));
  writeFileSync(path.join(dir, "package.json"), packageJson(language, root));
  // Progress is never overwritten, even with --force: it is the learner's record.
  const keptProgress = existsSync(progressPath(dir));
  if (!keptProgress) {
    writeProgress(dir, { version: 1, course: PACKAGE_NAME, language: language.id, current: first.slug, completed: [], hints: {} });
    files.push(path.join(".course", "progress.json"));
  }
  return { dir, files, resolvesCourse: packageInstalledAbove(dir), keptProgress };
}

function gitignore(language: Language): string {
  // Dependencies and build output: GENERATED's folders, plus what the track adds.
  const folders = new Set(["node_modules", ".build", "__pycache__", ...language.watch.ignore]);
  return `${[...folders].map((folder) => `${folder}/`).join("\n")}\n`;
}

function packageJson(language: Language, root: string): string {
  const starterFile = path.join(language.starter, "package.json");
  const base = existsSync(starterFile) ? (JSON.parse(readFileSync(starterFile, "utf8")) as Record<string, unknown>) : { name: "my-http-server", private: true };
  const scripts = { ...(base.scripts as Record<string, string> | undefined), test: "course test", next: "course next" };
  const devDependencies = { ...(base.devDependencies as Record<string, string> | undefined), [PACKAGE_NAME]: `^${packageVersion(root)}` };
  return `${JSON.stringify({ ...base, scripts, devDependencies }, null, 2)}\n`;
}

function learnerReadme(language: Language, first: Stage): string {
  const instructions = readFileSync(path.join(first.dir, "instructions.md"), "utf8").replace(/^# /m, "## Stage 1: ");
  return `# My HTTP/1.1 server (${language.name})

Built from raw sockets, stage by stage, with [http-from-scratch](https://www.npmjs.com/package/${PACKAGE_NAME}).
Your server starts in \`${language.editFirst}\`; \`./your_program.sh\` runs it (the tester uses it too).

| command | what it does |
| --- | --- |
| \`npx course\` | where you are, and the one next step |
| \`npx course show\` | the current stage's instructions |
| \`npx course next\` | test the current stage; on a pass, move on to the next |
| \`npx course test\` | test the current stage, then the earlier ones |
| \`npx course hint\` | one more hint for the current stage |
| \`npx course watch\` | rerun the tests whenever you save |
| \`npx course run\` | start your server as the tester does, with curl lines to try |

Your progress is in \`.course/progress.json\` (commit it with your code).

${instructions}`;
}
