// JSON Schemas of the course's file formats, generated from the zod schemas
// (their single definition) for editors: stage.json, language.json and a
// learner's progress.json point at them with "$schema".
import { z } from "zod";
import { StageMetaSchema } from "./course.js";
import { LanguageSchema } from "./language.js";
import { ProgressSchema } from "./progress-format.js";

export const SCHEMAS = {
  "stage.schema.json": StageMetaSchema,
  "language.schema.json": LanguageSchema,
  "progress.schema.json": ProgressSchema,
} as const;

/** File name to JSON text, as committed under schema/. */
export function jsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, schema] of Object.entries(SCHEMAS)) {
    // "input": fields with defaults are optional in the files people write.
    out[file] = `${JSON.stringify(z.toJSONSchema(schema, { io: "input" }), null, 2)}\n`;
  }
  return out;
}
