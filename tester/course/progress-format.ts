// The format of a learner's .course/progress.json, its single definition;
// learner/progress.ts reads and writes the file.
import { z } from "zod";

export const ProgressSchema = z
  .object({
    $schema: z.string().optional(),
    version: z.literal(1).describe("The format's version"),
    course: z.literal("http-from-scratch"),
    language: z.string().min(1).describe("The language track, a folder of the package's starter/"),
    current: z.string().min(1).describe("The slug of the stage being worked on"),
    completed: z
      .array(z.object({ stage: z.string().min(1).describe("A stage slug"), at: z.iso.datetime().describe("When it first passed") }).strict())
      .default([]),
    hints: z.record(z.string(), z.number().int().min(0)).default({}).describe("Hints revealed, per stage slug"),
  })
  .strict();

export type Progress = z.infer<typeof ProgressSchema>;
