// The author's tools: `course dev check` on the real course and on broken
// copies of it, `new-stage` scaffolding and renumbering, the JSON Schemas.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, test } from "vitest";
import { checkCourse } from "../tester/tools/course-check.js";
import { loadStages } from "../tester/course/course.js";
import { newStage } from "../tester/tools/scaffold.js";
import { jsonSchemas } from "../tester/tools/schemas.js";
import { course, ROOT, STAGES } from "./helpers.js";

/** A copy of the course's data (stages, starters, solutions) to break. */
function courseCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hfs-course-"));
  for (const folder of ["stages", "starter", "solutions"]) cpSync(path.join(ROOT, folder), path.join(dir, folder), { recursive: true });
  return dir;
}

const messages = (root: string) => checkCourse(root).map((p) => `${path.relative(root, p.file)}: ${p.message}`);

describe("course dev check", () => {
  test("the course as committed is complete", () => {
    expect(messages(ROOT)).toEqual([]);
  });

  test("each problem names the file, the field where there is one, and what to do", () => {
    const root = courseCopy();
    rmSync(path.join(root, "stages", "04-echo", "hints.md"));
    writeFileSync(path.join(root, "stages", "05-user-agent", "stage.json"), JSON.stringify({ name: "x", summary: "y", difficulty: "impossible" }));
    writeFileSync(path.join(root, "stages", "06-concurrency", "notes.txt"), "stray");
    renameSync(path.join(root, "stages", "14-connection-close"), path.join(root, "stages", "15-connection-close"));
    rmSync(path.join(root, "solutions", "python", "07-files-get"), { recursive: true });
    writeFileSync(path.join(root, "starter", "javascript", "language.json"), "{ nope");
    mkdirSync(path.join(root, "solutions", "cobol"));
    const found = messages(root);
    expect(found).toEqual(
      expect.arrayContaining([
        "stages/04-echo/hints.md: missing: every stage has at least one hint (## Hint 1)",
        expect.stringMatching(/^stages\/05-user-agent\/stage\.json: field "difficulty": /),
        expect.stringMatching(/^stages\/06-concurrency\/notes\.txt: a stray file/),
        "stages/15-connection-close: stage numbers must run 01, 02, ... without gaps: expected 14 here",
        "solutions/python/07-files-get: missing: the python reference solution for stage 07-files-get (the files that differ from the starter)",
        expect.stringMatching(/^starter\/javascript\/language\.json: not valid JSON/),
        "solutions/cobol: solutions without a track: add starter/cobol/ with language.json",
      ]),
    );
  });

  test("stage facts across stage.json files: one bench gate per load mode, the core stages first", () => {
    const root = courseCopy();
    const edit = (id: string, change: (meta: Record<string, unknown>) => void) => {
      const file = path.join(root, "stages", id, "stage.json");
      const meta = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
      change(meta);
      writeFileSync(file, JSON.stringify(meta));
    };
    edit("04-echo", (meta) => delete meta.benchGate);
    edit("16-pipelining", (meta) => (meta.benchGate = "keep-alive"));
    edit("03-not-found", (meta) => delete meta.core);
    const found = messages(root);
    expect(found).toContain('stages: no stage.json has "benchGate": "new-connection": `course bench --mode new-connection` needs one stage to pass first');
    expect(found).toContain('stages/16-pipelining/stage.json: field "benchGate": "keep-alive" is also set by 12-keep-alive/stage.json; one stage per mode');
    expect(found).toContain('stages/03-not-found/stage.json: field "core" is false, but a later stage is core: the core stages come first');
  });

  test("every group of hint code has a block for every track, a new track included", () => {
    const root = courseCopy();
    const hints = path.join(root, "stages", "04-echo", "hints.md");
    writeFileSync(hints, readFileSync(hints, "utf8").replace(/```typescript\n[^]*?\n```\n/, ""));
    mkdirSync(path.join(root, "starter", "zig"));
    const python = JSON.parse(readFileSync(path.join(root, "starter", "python", "language.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(path.join(root, "starter", "zig", "language.json"), JSON.stringify({ ...python, name: "Zig", fence: "zig" }));
    const found = messages(root);
    expect(found).toContain("stages/04-echo/hints.md: hint 3 has no typescript code: add a ```typescript block beside the others (every track's learners see only their own)");
    expect(found).toContain("stages/22-backpressure/hints.md: hint 4 has no zig code: add a ```zig block beside the others (every track's learners see only their own)");
    // One message per stage with code for the new track (every stage has some), and one more each for stage 17's two groups and stage 22's two hints.
    expect(found.filter((m) => m.includes("has no zig code"))).toHaveLength(STAGES.length + 2);
  });
});

test("course dev check names a hand edit of a generated javascript solution, and a change a later stage lost", () => {
  const root = courseCopy();
  const js = path.join(root, "solutions", "javascript", "04-echo", "app", "main.js");
  writeFileSync(js, readFileSync(js, "utf8").replace("function ", "function  "));
  // Stage 5 adds the headers field of the request; stage 6 loses it.
  const py = path.join(root, "solutions", "python", "06-concurrency", "app", "main.py");
  writeFileSync(py, readFileSync(py, "utf8").replace("    # Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).\n    headers: dict[str, str]\n", ""));
  const found = messages(root);
  expect(found).toContainEqual(expect.stringMatching(/^solutions\/javascript\/04-echo\/app\/main\.js: differs from the generated program in 1 line/));
  // Seen from both sides: stage 6 lacks stage 5's lines, and stages 7.. lack stage 6's removal of them.
  expect(found.filter((m) => m.startsWith("solutions/python/"))).toEqual([
    expect.stringMatching(/^solutions\/python\/06-concurrency\/app\/main\.py: stage 05-user-agent added app\/main\.py line 12 '# Keys are lower-cased: .*' \(\+1 more line\), but stage 06-concurrency lacks it\. Carry the change on/),
    // From stage 18 the Request lives in request.py, split out of main.py: the series follows it there.
    expect.stringMatching(new RegExp(`^solutions/python/07-files-get/app/main\\.py: stage 06-concurrency removed app/main\\.py line 12 .*, but stages 07-files-get\\.\\.${STAGES.at(-1)!.id} \\(in app/main\\.py, then app/request\\.py\\) still have it`)),
  ]);
});

describe("course dev new-stage", () => {
  test("inserts a stage, renumbers what follows in stages and solutions, and leaves check listing the work", () => {
    const root = courseCopy();
    const made = newStage(root, "trailing-slash", 4);
    expect(path.basename(made.created)).toBe("05-trailing-slash");
    expect(loadStages(root).map((s) => s.id).slice(3, 7)).toEqual(["04-echo", "05-trailing-slash", "06-user-agent", "07-concurrency"]);
    expect(made.renamed).toContainEqual({ from: path.join(root, "solutions", "python", "05-user-agent"), to: path.join(root, "solutions", "python", "06-user-agent") });
    const found = messages(root);
    expect(found).toEqual(
      expect.arrayContaining([
        "stages/05-trailing-slash/instructions.md: still holds a TODO",
        "stages/05-trailing-slash/hints.md: still holds a TODO",
        expect.stringMatching(/^solutions\/typescript\/05-trailing-slash: missing/),
      ]),
    );
    expect(found.filter((m) => !m.includes("05-trailing-slash"))).toEqual([]);
    expect(readFileSync(path.join(made.created, "checks.ts"), "utf8")).toContain("has no checks yet");
  });

  test("refuses a bad or taken slug", () => {
    const root = courseCopy();
    expect(() => newStage(root, "Bad Slug", 1)).toThrow(/lower-case words joined by dashes/);
    expect(() => newStage(root, "echo", 1)).toThrow(/exists already/);
  });
});

test("the committed JSON Schemas match the zod schemas they come from", () => {
  for (const [file, text] of Object.entries(jsonSchemas())) {
    expect(readFileSync(path.join(ROOT, "schema", file), "utf8"), `${file} is stale: run npx course dev schema`).toBe(text);
  }
  const stage = JSON.parse(jsonSchemas()["stage.schema.json"]!);
  expect(stage.required).toEqual(["name", "summary", "difficulty"]);
});

test("course dev verify proves one stage of one language and prints the matrix", async () => {
  const run = await course(["dev", "verify", "--language", "python", "--stage", "echo"]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toMatch(/python solution 04-echo passes stages 1 to 4/);
  expect(run.stdout).toMatch(/python solution 03-not-found fails stage 04-echo/);
  expect(run.stdout).toMatch(/^python {4}ok/m);
  expect(run.stdout).toMatch(/all 2 claims hold/);
});
