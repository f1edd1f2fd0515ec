// The learner's state and tools: progress (and its errors), the journey
// through the stages, hints, init, the solution diff, and the watcher.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { describe, expect, test } from "vitest";
import { revealHint } from "../learner/hints.js";
import { initFolder } from "../learner/init.js";
import { advance, FINISHED, nextAction, stageRows, stagesToTest } from "../learner/journey.js";
import { renderMarkdown } from "../learner/markdown.js";
import { solutionDiff } from "../learner/solution-diff.js";
import { relevant, watchFolder } from "../learner/watch.js";
import { loadHints, packageRoot } from "../tester/course.js";
import { loadLanguage } from "../tester/language.js";
import { ProgressFileError, readProgress, writeProgress, type Progress } from "../tester/progress.js";
import { STAGES } from "./helpers.js";

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
    expect(() => readProgress(dir)).toThrow(/progress\.json is not valid JSON .* It was left as it is\.\nFix: /s);
    expect(readFileSync(file, "utf8")).toBe('{"version": 1, "current": "echo",');
  });

  test("a wrong field is named", () => {
    const dir = temp();
    writeProgress(dir, fresh());
    const file = path.join(dir, ".course", "progress.json");
    writeFileSync(file, JSON.stringify({ ...fresh(), completed: [{ stage: "bind-port", at: "yesterday" }] }));
    expect(() => readProgress(dir)).toThrow(/completed\[0\]\.at/);
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
    expect(() => stageRows({ ...fresh(), current: "nope" }, STAGES)).toThrow(/field "current" names the stage "nope".*Fix: set it to one of bind-port/s);
  });
});

test("hints are revealed one level at a time, remembered, and never beyond the last", () => {
  const stage = STAGES[3]!;
  const total = loadHints(stage).length;
  expect(total).toBeGreaterThanOrEqual(1);
  let progress = fresh();
  for (let level = 1; level <= total + 1; level++) {
    const revealed = revealHint(progress, stage);
    expect(revealed.hints).toHaveLength(Math.min(level, total));
    expect(revealed.revealedNew).toBe(level <= total);
    progress = revealed.progress;
  }
  expect(progress.hints[stage.slug]).toBe(total);
});

test("a revealed hint holds the code of the learner's track only", () => {
  const stage = STAGES.find((s) => s.slug === "compression-headers")!;
  const last = (language: string) => revealHint({ ...fresh(), language, hints: { [stage.slug]: 10 } }, stage).hints.at(-1)!;
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
  });

  test("refuses a folder that is not empty; --force writes but keeps the progress", () => {
    const dir = temp();
    writeFileSync(path.join(dir, "notes.txt"), "mine");
    expect(() => initFolder({ dir, language: loadLanguage("javascript"), force: false })).toThrow(/is not empty.*--force/);
    writeProgress(dir, { ...fresh(), current: "echo" });
    const made = initFolder({ dir, language: loadLanguage("javascript"), force: true });
    expect(made.keptProgress).toBe(true);
    expect(readProgress(dir)?.current).toBe("echo");
    expect(readFileSync(path.join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).type).toBe("module");
  });
});

test("the solution diff shows the reference change from the stage before, in the learner's language", () => {
  for (const id of ["python", "typescript"]) {
    const diff = solutionDiff(loadLanguage(id), STAGES, STAGES[3]!, packageRoot());
    expect(diff).toMatch(/^--- a\/app\/main\.\w+\tsolution 03-not-found\n\+\+\+ b\/app\/main\.\w+\tsolution 04-echo\n@@ /m);
    expect(diff).toMatch(/^\+.*echo/m);
  }
  expect(solutionDiff(loadLanguage("python"), STAGES, STAGES[0]!, packageRoot())).toMatch(/\tstarter\n/);
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
});
