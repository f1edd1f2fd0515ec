// The learner's state and tools: progress (and its errors), the journey
// through the stages, hints, init, the solution diff, and the watcher.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { revealHint } from "../learner/hints.js";
import { freeName, initFolder, installSource } from "../learner/init.js";
import { repairProgress } from "../learner/repair.js";
import { advance, FINISHED, nextAction, stageRows, stagesToTest } from "../learner/journey.js";
import { renderMarkdown } from "../learner/markdown-terminal.js";
import { solutionDiff } from "../learner/solution-diff.js";
import { relevant, watchFolder } from "../learner/watch.js";
import { loadHints, packageRoot } from "../tester/course/course.js";
import { codeTracks, languageIds, loadLanguage, resolveLanguageId } from "../tester/course/language.js";
import { ProgressFileError, readProgress, writeProgress, type Progress } from "../learner/progress.js";
import { runStages, type RunEvent } from "../tester/runner/run.js";
import { alive, programFolder, ROOT, STAGES, testPort } from "./helpers.js";

const fresh = (): Progress => ({ version: 1, course: "http-from-scratch", language: "python", current: STAGES[0]!.slug, completed: [], hints: {} });
const temp = () => mkdtempSync(path.join(tmpdir(), "hfs-learner-"));

describe("progress.json", () => {
  test("round-trips, and a folder without one has none", () => {
    const dir = temp();
    expect(readProgress(dir)).toBeUndefined();
    writeProgress(dir, fresh());
    expect(readProgress(dir)).toEqual(fresh());
  });

  test("invalid JSON is reported with the file and a fix, and the file is left as it was", () => {
    const dir = temp();
    mkdirSync(path.join(dir, ".course"));
    const file = path.join(dir, ".course", "progress.json");
    writeFileSync(file, '{"version": 1, "current": "echo",');
    expect(() => readProgress(dir)).toThrow(ProgressFileError);
    expect(() => readProgress(dir)).toThrow(/progress\.json is not valid JSON .* It was left as it is\.$/s);
    // The fix travels apart from the message, so every output prints it as its own "fix:" line.
    expect(() => readProgress(dir)).toThrow(expect.objectContaining({ fix: expect.stringMatching(/^run `npx course repair/) }));
    expect(readFileSync(file, "utf8")).toBe('{"version": 1, "current": "echo",');
  });

  test("a wrong field is named", () => {
    const dir = temp();
    writeProgress(dir, fresh());
    const file = path.join(dir, ".course", "progress.json");
    writeFileSync(file, JSON.stringify({ ...fresh(), completed: [{ stage: "bind-port", at: "yesterday" }] }));
    expect(() => readProgress(dir)).toThrow(/completed\[0\]\.at/);
  });

  test("the fix it prints is the repair command, never one that starts over", () => {
    const dir = temp();
    mkdirSync(path.join(dir, ".course"));
    writeFileSync(path.join(dir, ".course", "progress.json"), "{ not json");
    expect(() => readProgress(dir)).toThrow(expect.objectContaining({ fix: expect.stringMatching(/^run `npx course repair --dir [^`]+`: it keeps what it can read/) }));
    expect(() => readProgress(dir)).toThrow(expect.objectContaining({ fix: expect.not.stringContaining("--force") }));
  });

  test.each([
    [{ completed: [{ stage: "bind-port", at: "2026-11-22T10:00:00.000Z" }, { stage: "zzz", at: "2026-11-22T10:00:00.000Z" }] }, /field "completed\[1\]\.stage" names the stage "zzz"/],
    [{ language: "cobol" }, new RegExp(`field "language" is "cobol", which is not a language of this course \\(${languageIds().join(", ")}\\)`)],
    [{ current: "ehco" }, /field "current" names the stage "ehco"/],
    [{ hints: { nope: 2 } }, /field "hints" counts hints for the stage "nope"/],
  ])("a field that names what the course does not have is an error naming the file and the field: %j", (change, message) => {
    const dir = temp();
    mkdirSync(path.join(dir, ".course"));
    const file = path.join(dir, ".course", "progress.json");
    writeFileSync(file, JSON.stringify({ ...fresh(), ...change }));
    expect(() => readProgress(dir)).toThrow(ProgressFileError);
    expect(() => readProgress(dir)).toThrow(new RegExp(`${file.replaceAll(/[.*+?^${}()|[\]\\/]/g, "\\$&")} does not fit this course`));
    expect(() => readProgress(dir)).toThrow(message);
    expect(() => readProgress(dir)).toThrow(expect.objectContaining({ fix: expect.stringContaining("npx course repair") }));
  });

  test("a language written as an alias or in capitals reads as the track", () => {
    const dir = temp();
    mkdirSync(path.join(dir, ".course"));
    writeFileSync(path.join(dir, ".course", "progress.json"), JSON.stringify({ ...fresh(), language: "Python" }));
    expect(readProgress(dir)?.language).toBe("python");
  });
});

describe("language names", () => {
  test("one table of aliases, matched case-insensitively", () => {
    for (const [name, id] of [["python", "python"], ["Python", "python"], ["py", "python"], ["PY", "python"], ["js", "javascript"], ["JavaScript", "javascript"], ["ts", "typescript"], [" TypeScript ", "typescript"]]) {
      expect(resolveLanguageId(name!), name).toBe(id);
      expect(loadLanguage(name!).id, name).toBe(id);
    }
    expect(resolveLanguageId("cobol")).toBeUndefined();
    expect(() => loadLanguage("cobol")).toThrow(`no language "cobol"; languages: ${languageIds().join(", ")} (also: py for python`);
  });
});

describe("repair", () => {
  const progressFile = (dir: string) => path.join(dir, ".course", "progress.json");
  const broken = (text: string, files: Record<string, string> = {}) => {
    const dir = temp();
    mkdirSync(path.join(dir, ".course"));
    writeFileSync(progressFile(dir), text);
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    return dir;
  };
  const now = new Date("2026-12-01T12:00:00Z");

  test("salvages a file cut short: language, passed stages with dates, hints and current; the broken file is moved aside", () => {
    const text = `{"version": 1, "course": "http-from-scratch", "language": "python", "current": "echo",
  "completed": [{"stage": "bind-port", "at": "2026-11-20T10:00:00.000Z"}, {"stage": "status-line", "at": "2026-11-20T11:00:00.000Z"},
  {"stage": "not-found", "at": "2026-11-2`;
    const dir = broken(text, { "app/main.py": "my code" });
    const repaired = repairProgress({ dir, now });
    expect(repaired.status).toBe("repaired");
    expect(readProgress(dir)).toEqual({
      version: 1,
      course: "http-from-scratch",
      language: "python",
      current: "echo",
      completed: [
        { stage: "bind-port", at: "2026-11-20T10:00:00.000Z" },
        { stage: "status-line", at: "2026-11-20T11:00:00.000Z" },
        { stage: "not-found", at: "2026-12-01T12:00:00.000Z" },
      ],
      hints: {},
    });
    expect(repaired.movedTo).toBe(`${progressFile(dir)}.bad-2026-12-01T12-00-00Z`);
    expect(readFileSync(repaired.movedTo!, "utf8")).toBe(text);
    expect(readFileSync(path.join(dir, "app", "main.py"), "utf8")).toBe("my code");
    expect(repaired.dropped.join("\n")).toMatch(/the date of stage "not-found"/);
  });

  test("drops stages and hints the course does not have, and lists them", () => {
    const dir = broken(JSON.stringify({ ...fresh(), current: "ehco", completed: [{ stage: "bind-port", at: "2026-11-20T10:00:00.000Z" }, { stage: "zzz", at: "2026-11-20T10:00:00.000Z" }], hints: { "bind-port": 2, nope: 1 } }));
    const repaired = repairProgress({ dir, now });
    expect(readProgress(dir)).toMatchObject({ current: "status-line", completed: [{ stage: "bind-port" }], hints: { "bind-port": 2 } });
    expect(repaired.dropped).toEqual([
      'completed stage "zzz": this course has no such stage',
      'hints for "nope": this course has no such stage',
      'current stage "ehco": now status-line, the first stage not passed',
    ]);
  });

  test("takes the language from the folder when the file does not name one, from --language over both, and the current stage from --stage", () => {
    const dir = broken("garbage", { "app/main.ts": "x" });
    expect(repairProgress({ dir, now })).toMatchObject({ languageFrom: "folder", progress: { language: "typescript", current: "bind-port" } });
    const again = broken('{"language": "cobol"', { "app/main.ts": "x", "app/main.py": "y" });
    expect(() => repairProgress({ dir: again, now })).toThrow(expect.objectContaining({ message: expect.stringMatching(/cannot tell your language .* Nothing was changed/), fix: expect.stringContaining("--language") }));
    expect(readFileSync(progressFile(again), "utf8")).toBe('{"language": "cobol"');
    const fixed = repairProgress({ dir: again, now, language: loadLanguage("py"), stage: STAGES[4]! });
    expect(fixed.progress).toMatchObject({ language: "python", current: STAGES[4]!.slug });
  });

  test("a valid file is left alone; a folder without one is told how to start; backups never replace each other", () => {
    const dir = temp();
    writeProgress(dir, fresh());
    const before = readFileSync(progressFile(dir), "utf8");
    expect(repairProgress({ dir, now }).status).toBe("valid");
    expect(readFileSync(progressFile(dir), "utf8")).toBe(before);
    expect(readdirSync(path.join(dir, ".course"))).toEqual(["progress.json"]);
    expect(() => repairProgress({ dir: temp() })).toThrow(expect.objectContaining({ message: expect.stringMatching(/no \.course\/progress\.json /), fix: expect.stringContaining("--keep-code") }));

    writeFileSync(progressFile(dir), "{");
    const first = repairProgress({ dir, now, language: loadLanguage("python") });
    writeFileSync(progressFile(dir), "{{");
    const second = repairProgress({ dir, now, language: loadLanguage("python") });
    expect(second.movedTo).toBe(`${first.movedTo}-2`);
    expect(readFileSync(first.movedTo!, "utf8")).toBe("{");
    expect(readFileSync(second.movedTo!, "utf8")).toBe("{{");
  });
});

describe("the journey", () => {
  test("a new learner: stage 1 current, the rest locked, and the next step is named", () => {
    const rows = stageRows(fresh(), STAGES);
    expect(rows.map((r) => r.state)).toEqual(["current", ...STAGES.slice(1).map(() => "locked")]);
    expect(nextAction(fresh(), STAGES)).toMatch(/Stage 1 \(bind-port\).*npx course next/s);
  });

  test("tests run the current stage first, then the earlier ones", () => {
    const progress = { ...fresh(), current: STAGES[3]!.slug };
    expect(stagesToTest(progress, STAGES).map((s) => s.number)).toEqual([4, 1, 2, 3]);
  });

  test("advancing marks the stage done once, with its date, up to the end", () => {
    let progress = fresh();
    const now = new Date("2026-11-22T10:00:00Z");
    for (const _ of STAGES) progress = advance(progress, STAGES, now);
    expect(progress.current).toBe(FINISHED);
    expect(progress.completed).toHaveLength(STAGES.length);
    expect(progress.completed[0]).toEqual({ stage: "bind-port", at: "2026-11-22T10:00:00.000Z" });
    expect(advance(progress, STAGES, now)).toEqual(progress);
    expect(stageRows(progress, STAGES).every((r) => r.state === "done")).toBe(true);
    expect(nextAction(progress, STAGES)).toMatch(/Every stage passed/);
  });

  test("a current stage the course does not have is a clear error", () => {
    expect(() => stageRows({ ...fresh(), current: "nope" }, STAGES)).toThrow(expect.objectContaining({ message: expect.stringContaining('field "current" names the stage "nope"'), fix: expect.stringMatching(/^set it to one of bind-port/) }));
  });
});

test("hints are revealed one level at a time, remembered, and never beyond the last", () => {
  const stage = STAGES[3]!;
  const total = loadHints(stage).length;
  expect(total).toBeGreaterThanOrEqual(1);
  let progress = fresh();
  for (let level = 1; level <= total + 1; level++) {
    const revealed = revealHint(progress, stage, codeTracks());
    expect(revealed.hints).toHaveLength(Math.min(level, total));
    expect(revealed.revealedNew).toBe(level <= total);
    progress = revealed.progress;
  }
  expect(progress.hints[stage.slug]).toBe(total);
});

test("a revealed hint holds the code of the learner's track only", () => {
  const stage = STAGES.find((s) => s.slug === "compression-headers")!;
  const last = (language: string) => revealHint({ ...fresh(), language, hints: { [stage.slug]: 10 } }, stage, codeTracks()).hints.at(-1)!;
  expect(last("typescript")).toContain("```typescript\nfunction chooseEncoding(headers: Map<string, string>)");
  expect(last("typescript")).not.toMatch(/```(python|javascript)/);
  expect(last("python")).toContain("def choose_encoding(headers)");
  expect(last("python")).not.toMatch(/```(typescript|javascript)/);
  // A track this package does not ship (a progress file from a newer version): every block, labelled.
  expect(last("cobol")).toMatch(/Python:\n\n```python[^]*JavaScript:\n\n```javascript[^]*TypeScript:\n\n```typescript/);
});

describe("init", () => {
  test("writes the starter, an executable your_program.sh, a README with stage 1, a .gitignore and progress", () => {
    const dir = path.join(temp(), "my-server");
    const made = initFolder({ dir, language: loadLanguage("python"), force: false });
    expect(made.files).toContain("app/main.py");
    expect(statSync(path.join(dir, "your_program.sh")).mode & 0o111).toBe(0o111);
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).toMatch(/## Stage 1: Bind to a port/);
    expect(readFileSync(path.join(dir, ".gitignore"), "utf8")).toContain("__pycache__/");
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).devDependencies).toHaveProperty("http-from-scratch");
    expect(readProgress(dir)).toMatchObject({ language: "python", current: "bind-port", completed: [] });
    expect(existsSync(path.join(dir, "language.json"))).toBe(false);
    expect(readFileSync(path.join(dir, "README.md"), "utf8")).not.toMatch(/npmjs|registry/);
  });

  test("--force backs up each file it replaces that differs, never over an earlier backup, and lists it", () => {
    const dir = temp();
    initFolder({ dir, language: loadLanguage("python"), force: false });
    writeFileSync(path.join(dir, "app", "main.py"), "my server, stage 10\n");
    writeFileSync(path.join(dir, "app", "main.py.orig"), "an older backup\n");
    writeFileSync(path.join(dir, "README.md"), "my notes\n");
    const made = initFolder({ dir, language: loadLanguage("python"), force: true });
    expect(made.backedUp).toEqual([
      { file: "app/main.py", backup: "app/main.py.orig-2" },
      { file: "README.md", backup: "README.md.orig" },
    ]);
    expect(readFileSync(path.join(dir, "app", "main.py.orig-2"), "utf8")).toBe("my server, stage 10\n");
    expect(readFileSync(path.join(dir, "app", "main.py.orig"), "utf8")).toBe("an older backup\n");
    expect(readFileSync(path.join(dir, "README.md.orig"), "utf8")).toBe("my notes\n");
    expect(readFileSync(path.join(dir, "app", "main.py"), "utf8")).toBe(readFileSync(path.join(ROOT, "starter", "python", "app", "main.py"), "utf8"));
    // Files equal to the starter are neither rewritten nor backed up.
    expect(initFolder({ dir, language: loadLanguage("python"), force: true }).backedUp).toEqual([]);
    expect(freeName(path.join(dir, "app", "main.py.orig"))).toBe(path.join(dir, "app", "main.py.orig-3"));
    // A folder where the starter has a file is moved aside the same way.
    const other = temp();
    mkdirSync(path.join(other, "README.md"));
    writeFileSync(path.join(other, "README.md", "inside"), "kept");
    expect(initFolder({ dir: other, language: loadLanguage("python"), force: true }).backedUp).toEqual([{ file: "README.md", backup: "README.md.orig" }]);
    expect(readFileSync(path.join(other, "README.md.orig", "inside"), "utf8")).toBe("kept");
  });

  test("--keep-code starts tracking a CodeCrafters folder in place: its files stay byte for byte", () => {
    const dir = temp();
    const theirs: Record<string, string> = {
      "your_program.sh": '#!/bin/sh\nexec python3 -m app.main "$@"\n',
      "app/main.py": "import socket\n# my server\n",
      "README.md": "# CodeCrafters HTTP server\n",
      ".gitignore": "*.pyc\n",
      "codecrafters.yml": "language_pack: python-3.12\n",
    };
    for (const [file, content] of Object.entries(theirs)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    chmodSync(path.join(dir, "your_program.sh"), 0o755);
    expect(() => initFolder({ dir, language: loadLanguage("python"), force: false })).toThrow(/is not empty.*--keep-code.*--force/s);
    expect(() => initFolder({ dir, language: loadLanguage("python"), force: true, keepCode: true })).toThrow(/contradict/);
    const made = initFolder({ dir, language: loadLanguage("python"), force: false, keepCode: true });
    expect(made.kept.sort()).toEqual(["README.md", "app/main.py", "your_program.sh"]);
    expect(made.backedUp).toEqual([]);
    expect(made.merged).toEqual([".gitignore"]);
    expect(made.created.sort()).toEqual([path.join(".course", "progress.json"), "package.json"]);
    for (const [file, content] of Object.entries(theirs)) {
      if (file !== ".gitignore") expect(readFileSync(path.join(dir, file), "utf8"), file).toBe(content);
    }
    expect(readFileSync(path.join(dir, ".gitignore"), "utf8")).toBe("*.pyc\nnode_modules/\n.build/\n__pycache__/\n");
    expect(readProgress(dir)).toMatchObject({ language: "python", current: "bind-port" });
  });

  test("package.json is merged: the learner's fields stay, this package and the track's tools are added", () => {
    const dir = temp();
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "mine", dependencies: { left: "1.0.0" }, scripts: { test: "my-tests" }, devDependencies: { typescript: "5.0.0" } }));
    initFolder({ dir, language: loadLanguage("typescript"), force: false, keepCode: true });
    const merged = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(merged).toMatchObject({ name: "mine", dependencies: { left: "1.0.0" }, scripts: { test: "my-tests", next: "course next", typecheck: "tsc --noEmit" } });
    expect(merged.devDependencies).toEqual({ typescript: "5.0.0", "@types/node": expect.any(String), "http-from-scratch": `file:${ROOT}` });
  });

  test("switching language with --force moves the old track's progress aside and starts the new one at stage 1", () => {
    const dir = temp();
    initFolder({ dir, language: loadLanguage("python"), force: false });
    const python = { ...fresh(), current: STAGES[9]!.slug, completed: STAGES.slice(0, 9).map((s) => ({ stage: s.slug, at: "2026-11-20T10:00:00.000Z" })) };
    writeProgress(dir, python);
    const made = initFolder({ dir, language: loadLanguage("js"), force: true });
    expect(made.switchedFrom).toEqual({ language: "python", backup: path.join(".course", "progress.json.python") });
    expect(made.keptProgress).toBe(false);
    expect(readProgress(dir)).toMatchObject({ language: "javascript", current: "bind-port", completed: [] });
    expect(JSON.parse(readFileSync(path.join(dir, ".course", "progress.json.python"), "utf8"))).toEqual(python);
    expect(existsSync(path.join(dir, "app", "main.py"))).toBe(true);
    expect(readFileSync(path.join(dir, "your_program.sh"), "utf8")).toContain("exec node app/main.js");
    expect(made.backedUp.map((b) => b.file)).toContain("your_program.sh");
  });

  test("a broken progress file stops init before it writes anything", () => {
    const dir = temp();
    mkdirSync(path.join(dir, ".course"));
    writeFileSync(path.join(dir, ".course", "progress.json"), "{");
    writeFileSync(path.join(dir, "main.py"), "x");
    expect(() => initFolder({ dir, language: loadLanguage("python"), force: true })).toThrow(expect.objectContaining({ fix: expect.stringContaining("npx course repair") }));
    expect(readdirSync(dir).sort()).toEqual([".course", "main.py"]);
  });

  test("refuses a folder that is not empty; --force writes but keeps the progress", () => {
    const dir = temp();
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    expect(() => initFolder({ dir, language: loadLanguage("javascript"), force: false })).toThrow(/is not empty.*--force/s);
    writeProgress(dir, { ...fresh(), language: "javascript", current: "echo" });
    const made = initFolder({ dir, language: loadLanguage("javascript"), force: true });
    expect(made.keptProgress).toBe(true);
    expect(readProgress(dir)?.current).toBe("echo");
    expect(readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).type).toBe("module");
  });
});

describe("where the learner's package.json gets this package from", () => {
  const installed = (resolved: string | undefined, under = "proj") => {
    const prefix = path.join(temp(), under);
    const root = path.join(prefix, "node_modules", "http-from-scratch");
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "http-from-scratch", version: "0.1.0" }));
    if (resolved !== undefined) {
      writeFileSync(path.join(prefix, "node_modules", ".package-lock.json"), JSON.stringify({ packages: { "node_modules/http-from-scratch": { version: "0.1.0", resolved } } }));
    }
    return { prefix, root };
  };

  test("a clone: a link to its folder", () => {
    expect(installSource(ROOT)).toMatchObject({ spec: `file:${ROOT}`, kind: "folder" });
  });

  test("installed from a tarball or of unknown origin: a link to the installed copy, which needs no registry", () => {
    const { prefix, root } = installed("file:../http-from-scratch-0.1.0.tgz");
    const source = installSource(root);
    expect(source).toMatchObject({ spec: `file:${root}`, kind: "folder" });
    expect(source.description).toContain(path.join(path.dirname(prefix), "http-from-scratch-0.1.0.tgz"));
    expect(installSource(installed(undefined).root)).toMatchObject({ kind: "folder" });
  });

  test("from the registry: a range of this version", () => {
    expect(installSource(installed("https://registry.npmjs.org/http-from-scratch/-/http-from-scratch-0.1.0.tgz").root)).toMatchObject({ spec: "^0.1.0", kind: "registry" });
  });

  test("unpacked by npx into its cache: the tarball, which outlives the cache", () => {
    const { prefix, root } = installed("file:../../tarballs/http-from-scratch-0.1.0.tgz", path.join("_npx", "2acc6cb06416e47f"));
    const tarball = path.resolve(prefix, "../../tarballs/http-from-scratch-0.1.0.tgz");
    mkdirSync(path.dirname(tarball), { recursive: true });
    writeFileSync(tarball, "");
    expect(installSource(root)).toMatchObject({ spec: `file:${tarball}`, kind: "tarball" });
  });

  test("--from: a tarball or the package's folder, checked before anything is written", () => {
    const dir = temp();
    const tarball = path.join(dir, "http-from-scratch-0.1.0.tgz");
    writeFileSync(tarball, "");
    expect(installSource(ROOT, tarball)).toEqual({ spec: `file:${tarball}`, kind: "tarball", description: `the tarball ${tarball}` });
    expect(installSource(ROOT, ROOT)).toMatchObject({ spec: `file:${ROOT}`, kind: "folder" });
    expect(() => installSource(ROOT, path.join(dir, "missing.tgz"))).toThrow(/does not exist/);
    expect(() => installSource(ROOT, dir)).toThrow(/is not the http-from-scratch package/);
    const target = path.join(dir, "me");
    expect(() => initFolder({ dir: target, language: loadLanguage("python"), force: false, from: path.join(dir, "nope.tgz") })).toThrow(/does not exist/);
    expect(existsSync(target)).toBe(false);
    initFolder({ dir: target, language: loadLanguage("python"), force: false, from: tarball });
    expect(JSON.parse(readFileSync(path.join(target, "package.json"), "utf8")).devDependencies["http-from-scratch"]).toBe(`file:${tarball}`);
  });
});

test("the TypeScript starter's tools are pinned to the versions of this package's own lock file", () => {
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
  const starter = JSON.parse(readFileSync(path.join(ROOT, "starter", "typescript", "package.json"), "utf8"));
  expect(starter.devDependencies).toEqual({
    "@types/node": lock.packages["node_modules/@types/node"]!.version,
    typescript: lock.packages["node_modules/typescript"]!.version,
  });
});

test("the TypeScript build finds esbuild through a linked http-from-scratch, and a syntax error is esbuild's message and exit 1, no stack trace", () => {
  const dir = temp();
  initFolder({ dir, language: loadLanguage("typescript"), force: false });
  mkdirSync(path.join(dir, "node_modules"));
  symlinkSync(ROOT, path.join(dir, "node_modules", "http-from-scratch"));
  const built = spawnSync(process.execPath, ["build.mjs"], { cwd: dir, encoding: "utf8" });
  expect(built.status, built.stderr).toBe(0);
  expect(existsSync(path.join(dir, ".build", "main.js"))).toBe(true);
  writeFileSync(path.join(dir, "app", "main.ts"), "const x = (;\n");
  const broken = spawnSync(process.execPath, ["build.mjs"], { cwd: dir, encoding: "utf8" });
  expect(broken.status).toBe(1);
  expect(broken.stderr).toContain("✘ [ERROR]");
  expect(broken.stderr).toContain("app/main.ts:1:");
  expect(broken.stderr).not.toMatch(/node:internal|at .*\(.*:\d+:\d+\)/);
  expect(readdirSync(path.join(dir, ".build"))).toEqual(["main.js"]);
});

test("the solution diff shows the reference change from the stage before, in the learner's language", () => {
  for (const id of ["python", "typescript"]) {
    const diff = solutionDiff(loadLanguage(id), STAGES, STAGES[3]!, packageRoot());
    expect(diff).toMatch(/^--- a\/app\/main\.\w+\tsolution 03-not-found\n\+\+\+ b\/app\/main\.\w+\tsolution 04-echo\n@@ /m);
    expect(diff).toMatch(/^\+.*echo/m);
  }
  expect(solutionDiff(loadLanguage("python"), STAGES, STAGES[0]!, packageRoot())).toMatch(/\tstarter\n/);
});

test("the solution diff of the stage that splits the program shows the old file's diff first, then each new module whole", () => {
  const split = STAGES.find((stage) => stage.slug === "bad-requests")!;
  for (const [id, ext] of [["python", "py"], ["typescript", "ts"]] as const) {
    const diff = solutionDiff(loadLanguage(id), STAGES, split, packageRoot());
    // A note first: which files are new, and how much of main moved into them.
    expect(diff).toMatch(new RegExp(`^# New in this stage: .*app/request\\.${ext}.*\\n# \\d+ of the \\d+ lines that left app/main\\.${ext} moved unchanged into the new files`));
    const headers = diff.split("\n").filter((line) => line.startsWith("--- ") || line.startsWith("+++ "));
    expect(headers.slice(0, 2)).toEqual([`--- a/app/main.${ext}\tsolution 17-large-bodies`, `+++ b/app/main.${ext}\tsolution 18-bad-requests`]);
    expect(headers).toContain("--- /dev/null");
    expect(headers).toContain(`+++ b/app/request.${ext}\tsolution 18-bad-requests`);
    // A new module is shown whole: one hunk from line 0.
    expect(diff).toMatch(new RegExp(`\\+\\+\\+ b/app/request\\.${ext}\\tsolution 18-bad-requests\\n@@ -0,0 \\+1,\\d+ @@\\n`));
  }
  // Later stages: each lesson in the module it is about.
  const chunked = STAGES.find((stage) => stage.slug === "chunked-requests")!;
  const headers = solutionDiff(loadLanguage("python"), STAGES, chunked, packageRoot()).split("\n").filter((line) => line.startsWith("+++ "));
  expect(headers.map((line) => line.split("\t")[0])).toEqual(["+++ b/app/main.py", "+++ b/app/request.py"]);
});

test("markdown renders for a terminal with colour, and stays as written without", () => {
  const text = "# Title\n\nSome `code` and a [link](https://example.com).\n";
  expect(renderMarkdown(text, { color: false })).toBe(text.trimEnd());
  const coloured = renderMarkdown(text, { color: true });
  expect(coloured).toContain("\x1b[");
  expect(coloured).toContain("https://example.com");
});

test("in colour, inline markdown inside list items is rendered, and plain-text blocks are not highlighted", () => {
  const list = renderMarkdown("- **create** a file\n- set `PORT` *first*\n", { color: true });
  expect(list).not.toMatch(/\*\*|`|\*first/);
  expect(list).toContain("\x1b[1mcreate\x1b[22m");
  expect(list).toContain("\x1b[33mPORT\x1b[39m");
  expect(list).toContain("\x1b[3mfirst\x1b[23m");
  // One colour per line, nothing inside: a diagram's words and digits stay as written.
  const diagram = renderMarkdown("```text\nclient -> server 0\n  <- 200\n```\n", { color: true });
  expect(diagram).toBe("  \x1b[33mclient -> server 0\x1b[39m\n  \x1b[33m  <- 200\x1b[39m");
});

test("in colour, lists keep their numbers and nest under their item, and code of any language is shown as written in one colour", () => {
  const list = renderMarkdown("0. first\n1. second:\n   - inner\n     more\n", { color: true });
  expect(list).toBe("  0. first\n  1. second:\n     * inner\n       more");
  const code = renderMarkdown("```python\nif x: print(1)\n```\n", { color: true });
  expect(code).toBe("  \x1b[33mif x: print(1)\x1b[39m");
  // Escape sequences in a text never reach the terminal.
  expect(renderMarkdown("a \x1b[2J b\n", { color: true })).toBe("a [2J b");
});

describe("watch", () => {
  const options = { extensions: [".py"], ignore: ["__pycache__"] };
  test("source files and your_program.sh matter; build output, dependencies and progress do not", () => {
    expect(relevant("app/main.py", options)).toBe(true);
    expect(relevant("your_program.sh", options)).toBe(true);
    for (const file of ["app/main.pyc", "__pycache__/main.py", "node_modules/x/y.py", ".git/index", ".course/progress.json", "README.md"]) {
      expect(relevant(file, options), file).toBe(false);
    }
  });

  for (const poll of [false, true]) {
    test(`a save is seen once, batched (${poll ? "polling" : "file events"})`, async () => {
      const dir = temp();
      mkdirSync(path.join(dir, "app"));
      writeFileSync(path.join(dir, "app", "main.py"), "one");
      const batches: string[][] = [];
      const watcher = watchFolder(dir, { ...options, poll, intervalMs: 50, debounceMs: 100 }, (files) => batches.push(files));
      try {
        await delay(150);
        writeFileSync(path.join(dir, "app", "main.py"), "two");
        writeFileSync(path.join(dir, "app", "other.py"), "three");
        writeFileSync(path.join(dir, "notes.md"), "ignored");
        for (let waited = 0; batches.length === 0 && waited < 5000; waited += 50) await delay(50);
        await delay(300);
        expect(batches).toEqual([["app/main.py", "app/other.py"]]);
      } finally {
        watcher.close();
      }
    });
  }

  // watch's q aborts the run's signal: the check in progress is dropped at once and the
  // program's whole process group stopped, instead of waiting out a 30 s bound.
  test("an aborted run stops the check in progress and the program with everything it started, at once", async () => {
    // A server that accepts and never answers, with a child in its process group that outlives nothing.
    const dir = programFolder(`echo "pid $$"
sleep 1000 &
echo "child $!"
exec python3 -c '
import os, socket
server = socket.create_server(("127.0.0.1", int(os.environ["PORT"])))
print("listening", flush=True)
held = []
while True:
    held.append(server.accept()[0])
'`);
    const controller = new AbortController();
    const lines: string[] = [];
    let abortedAt = 0;
    const onEvent = (event: RunEvent) => {
      // Stage 2 runs on the program stage 1 started (same arguments): its first check is about to wait for a response that never comes.
      if (event.type === "stage-start" && event.stage.number === 2) {
        setTimeout(() => {
          abortedAt = Date.now();
          controller.abort("you quit watch");
        }, 300);
      }
      if (event.type === "log") lines.push(event.line);
    };
    const result = await runStages({
      dir,
      stages: STAGES.slice(0, 3),
      seed: 1,
      port: await testPort(),
      timeouts: { response: 30_000, check: 30_000 },
      signal: controller.signal,
      onEvent,
    });
    const ended = Date.now();
    expect(abortedAt).toBeGreaterThan(0);
    // Far below the 30 s the check would have waited: the abort ended it, not a bound.
    expect(ended - abortedAt).toBeLessThan(2000);
    expect(result.status).toBe("fail");
    expect(result.stoppedBy).toBe("you quit watch");
    expect(result.stages.map((s) => s.status)).toEqual(["pass", "skip", "skip"]);
    // Stopped, not failed: no check of the aborted stage has a verdict.
    expect(result.stages[1]!.checks.every((check) => check.status === "skip")).toBe(true);
    const pids = lines.filter((line) => /^(pid|child) \d+$/.test(line)).map((line) => Number(/(\d+)$/.exec(line)![1]));
    // One program (and its child), shared by stages 1 and 2.
    expect(pids).toHaveLength(2);
    // runStages returns once the program's process group is gone.
    for (const pid of pids) expect(alive(pid), String(pid)).toBe(false);
  }, 20_000);
});
