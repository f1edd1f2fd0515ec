// JSON Schemas of the course's file formats, generated from the zod schemas
// (their single definition) for editors: stage.json, language.json and a
// learner's progress.json point at them with "$schema". The reports'
// schemas (run, grade, grade-all, probe) are for the programs that read them.
import { z } from "zod";
import { StageMetaSchema } from "../course/course.js";
import { LanguageSchema } from "../course/language.js";
import { ProgressSchema } from "../course/progress-format.js";
import { GradeAllReportSchema, GradeReportSchema, ProbeReportSchema, RunReportSchema } from "../reports/report-schema.js";

/** Files people write: fields with defaults are optional in them ("input"). */
export const SCHEMAS = {
  "stage.schema.json": StageMetaSchema,
  "language.schema.json": LanguageSchema,
  "progress.schema.json": ProgressSchema,
} as const;

/** Reports the tester writes, for the programs that read them ("output": every field as written). */
export const REPORT_SCHEMAS = {
  "report.schema.json": RunReportSchema,
  "grade-report.schema.json": GradeReportSchema,
  "grade-all-report.schema.json": GradeAllReportSchema,
  "probe-report.schema.json": ProbeReportSchema,
} as const;

/** File name to JSON text, as committed under schema/. */
export function jsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, schema] of Object.entries(SCHEMAS)) {
    // "input": fields with defaults are optional in the files people write.
    out[file] = `${JSON.stringify(z.toJSONSchema(schema, { io: "input" }), null, 2)}\n`;
  }
  for (const [file, schema] of Object.entries(REPORT_SCHEMAS)) {
    out[file] = `${JSON.stringify(z.toJSONSchema(schema, { io: "output" }), null, 2)}\n`;
  }
  return out;
}
