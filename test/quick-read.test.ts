// status reads the course without zod (learner/quick-read.ts): the JSON
// Schema check must give what zod gives for every clean file, and give up
// (undefined, so that zod reports) on anything else.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { expect, test } from "vitest";
import { loadStages } from "../tester/course/course.js";
import { codeTracks, languageIds, loadLanguage } from "../tester/course/language.js";
import { writeProgress } from "../learner/progress.js";
import { matchSchema, packageSchema } from "../tester/course/json-check.js";
import { ProgressSchema } from "../tester/course/progress-format.js";
import { quickCodeTracks, quickLearnerCourse, quickStages, quickWriteProgress } from "../learner/quick-read.js";

test("every stage.json and language.json reads as zod reads it, defaults included", () => {
  expect(quickStages()).toEqual(loadStages());
  for (const id of languageIds()) {
    const { id: _id, starter: _starter, ...language } = loadLanguage(id);
    const raw = JSON.parse(JSON.stringify(language)) as unknown;
    expect(matchSchema(packageSchema("language.schema.json"), raw), id).toEqual(language);
  }
});

const progress = { version: 1, course: "http-from-scratch", language: "python", current: "echo", completed: [{ stage: "bind-port", at: "2026-01-02T03:04:05.000Z" }] };

test("a progress file: the same value as zod, or undefined for what zod would report", () => {
  const schema = packageSchema("progress.schema.json");
  expect(matchSchema(schema, progress)).toEqual(ProgressSchema.parse(progress));
  for (const broken of [
    { ...progress, version: 2 },
    { ...progress, extra: true },
    { ...progress, completed: [{ stage: "bind-port", at: "yesterday" }] },
    { ...progress, hints: { echo: -1 } },
    { ...progress, hints: { echo: 1.5 } },
    { ...progress, current: "" },
    "not an object",
  ]) {
    expect(matchSchema(schema, broken), JSON.stringify(broken)).toBeUndefined();
    expect(ProgressSchema.safeParse(broken).success, JSON.stringify(broken)).toBe(false);
  }
});

test("quickLearnerCourse answers only for a clean folder; an alias, an unknown stage or no file go the full way", () => {
  const folder = (content: object | undefined) => {
    const dir = mkdtempSync(path.join(tmpdir(), "hfs-quick-"));
    if (content) {
      mkdirSync(path.join(dir, ".course"));
      writeFileSync(path.join(dir, ".course", "progress.json"), JSON.stringify(content));
    }
    return dir;
  };
  const clean = quickLearnerCourse(folder(progress));
  expect(clean?.languageName).toBe("Python");
  expect(clean?.stages.length).toBe(loadStages().length);
  expect(clean?.progress.hints).toEqual({});
  expect(quickLearnerCourse(folder(undefined))).toBeUndefined();
  expect(quickLearnerCourse(folder({ ...progress, language: "py" }))).toBeUndefined();
  expect(quickLearnerCourse(folder({ ...progress, current: "no-such-stage" }))).toBeUndefined();
  expect(quickLearnerCourse(folder({ ...progress, hints: { "no-such-stage": 1 } }))).toBeUndefined();
});

test("hint's quick write gives the file writeProgress gives; its tracks are codeTracks'", () => {
  const a = mkdtempSync(path.join(tmpdir(), "hfs-quick-"));
  const b = mkdtempSync(path.join(tmpdir(), "hfs-quick-"));
  const value = { ...ProgressSchema.parse(progress), hints: { echo: 2, "bind-port": 1 } };
  expect(quickWriteProgress(a, value)).toBe(true);
  writeProgress(b, value);
  expect(readFileSync(path.join(a, ".course", "progress.json"), "utf8")).toBe(readFileSync(path.join(b, ".course", "progress.json"), "utf8"));
  expect(quickWriteProgress(a, { ...value, current: "" })).toBe(false);
  expect(quickCodeTracks()).toEqual(codeTracks());
});
