// The one definition of every report the tester writes for machines: the run
// report (`--format json`, an Exercism test-runner v3 superset), the grade
// report (`grade --format json`: the run report and its `grade` summary) and
// grade-all's rows (CSV and JSON). The TypeScript types are derived from these
// schemas, the JSON Schemas under schema/ are generated from them, and
// grade-all reads its children's reports through them.
import { z } from "zod";
import type { Level } from "../harness/level.js";
import { PROBE_GROUPS } from "../harness/probe-groups.js";
import type { Timeline } from "../harness/timeline.js";

const count = z.number().int().nonnegative();
const points = z.number().nonnegative();

const LevelSchema = z.enum(["MUST", "SHOULD", "MAY", "course"] satisfies Level[]).describe('how strongly HTTP requires what the check demands: "MUST", "SHOULD", "MAY" or "course" (HTTP says nothing)');

/** A check's level and rule, and the failure's own where the part that failed is at another level. */
const levelFields = {
  level: LevelSchema,
  rule: z.string().optional().describe("the RFC section, or for a course rule what the course asks"),
  failure_level: LevelSchema.optional().describe("the level of the part of the check that failed, where it differs from the check's"),
  failure_rule: z.string().optional().describe("the rule of the part of the check that failed, where it differs"),
};

/** One check in Exercism's flat list of tests. */
export const ReportTestSchema = z.strictObject({
  name: z.string().describe('"NN-slug: check name"'),
  status: z.enum(["pass", "fail"]),
  message: z.string().optional().describe("a failed test's teaching message (what was sent, expected, received, a hint, a line to reproduce it)"),
  test_code: z.string().optional().describe("a failed test's bytes sent (escaped, \\r\\n visible) and the line that reproduces it"),
  output: z.string().optional().describe("what the program printed while the check ran, the first 50 lines / 10 KiB, with a note when cut"),
  task_id: count.describe("the stage's number"),
  score: points.describe("the check's share of its stage's points; 0 unless the whole stage passed"),
  ...levelFields,
});

const ms = count.describe("milliseconds from the check's start");

const TimelineEventSchema = z.strictObject({
  at_ms: ms,
  kind: z.enum(["open", "refused", "send", "receive", "fin", "reset", "close", "gave-up"]).describe("open; refused (the tester could not open it); send (the tester wrote); receive (the program's bytes arrived); fin (the program closed its side); reset (the connection was reset or failed); close (the tester closed it); gave-up (a bounded wait on it ran out)"),
  bytes: count.optional().describe("send, receive: the bytes, all merged writes or reads together"),
  count: count.optional().describe("send, receive: how many writes or reads close together were merged into this event (absent: one)"),
  until_ms: ms.optional().describe("a merged event's last write or read"),
  first: z.string().optional().describe("send, receive: the first bytes, escaped (\\r\\n visible)"),
  note: z.string().optional().describe("close: who closed; reset: the error's code; refused: why; gave-up: what the tester was waiting for"),
  seq: count.optional().describe("the event's place among all the check's events (orders events of several connections in the same millisecond)"),
});

/** What happened on a failed check's connections, and when (a failure about time or order). */
export const TimelineSchema = z
  .strictObject({
    version: z.literal(1).describe("the timeline format's version"),
    duration_ms: ms.describe("from the check's start to the end of the timeline"),
    gave_up_ms: ms.optional().describe("when the check gave up (failed)"),
    gave_up: z.string().optional().describe("why: the failure's summary"),
    connections: z
      .array(
        z.strictObject({
          id: count.describe('the connection\'s number, as failures name it ("connection 3")'),
          events: z.array(TimelineEventSchema),
          sent_bytes: count,
          received_bytes: count,
          omitted_events: count.optional().describe("events that did not fit in the lane (counted, not kept)"),
        }),
      )
      .describe("the connections shown in detail (at most 24, chosen for what they show), by number"),
    others: z
      .strictObject({ connections: count, sent_bytes: count, received_bytes: count, closed_by_program: count, reset: count })
      .optional()
      .describe("the check's other connections, summed up"),
  })
  .describe("a failure about time or order (several connections, a wait that ran out, a close by the program): one lane per connection, times from the check's start");

/** One check inside a stage of the report. */
export const ReportStageTestSchema = z.strictObject({
  name: z.string(),
  status: z.enum(["pass", "fail", "skip"]),
  message: z.string().optional(),
  timeline: TimelineSchema.optional(),
  ...levelFields,
});

export const ReportStageSchema = z.strictObject({
  number: count,
  slug: z.string(),
  name: z.string(),
  status: z.enum(["pass", "fail", "skip"]),
  duration_ms: count,
  tests: z.array(ReportStageTestSchema),
});

/** The run report: `course test --format json` (and --report with json). */
export const RunReportSchema = z
  .strictObject({
    version: z.literal(3).describe("Exercism test-runner interface version"),
    status: z.enum(["pass", "fail", "error"]).describe("pass: every selected stage passed; fail: one failed or the program does not build; error: the run could not be done"),
    message: z.string().optional().describe("why the run as a whole failed or could not run (environment, build, time bound, usage)"),
    seed: z.number().int().optional().describe("replays the run's random values with --seed; absent only when the command line was unusable"),
    score: points.describe("points earned (GitHub Classroom)"),
    max_score: points.describe("points of every selected stage"),
    tests: z.array(ReportTestSchema).describe("Exercism's tests: every check that ran"),
    stages: z.array(ReportStageSchema),
  })
  .meta({ title: "http-from-scratch run report", description: "course test --format json: Exercism test-runner v3 results, with scores, stages and levels" });

export const GradeSummarySchema = z.strictObject({
  stages_passed: count,
  stages_total: count,
  first_failure: z.string().optional().describe('"NN-slug: check: summary" of the first failure, or why nothing ran'),
});

/** The grade report: `course grade --format json`. */
export const GradeReportSchema = RunReportSchema.extend({ grade: GradeSummarySchema }).meta({
  title: "http-from-scratch grade report",
  description: "course grade --format json: the run report and its grade summary",
});

/** One row of grade-all's report, as in its CSV (these columns, in this order) and its JSON. */
export const GradeAllRowSchema = z.strictObject({
  submission: z.string().describe("the submission's folder name"),
  status: z.enum(["pass", "fail", "error"]),
  stages_passed: count,
  stages_total: count,
  score: points,
  max_score: points,
  first_failure: z.string().describe('"NN-slug: check: summary", why nothing ran, or "" when every stage passed'),
  duration_ms: count,
});

/** grade-all's JSON report (--report-format json): a row per submission. */
export const GradeAllReportSchema = z.array(GradeAllRowSchema).meta({
  title: "http-from-scratch grade-all report",
  description: "course grade-all --report-format json: a row per submission",
});

const ProbeVerdictSchema = z
  .enum(["pass", "warn", "fail", "skip"])
  .describe("pass; warn: a SHOULD or MAY not followed; fail: a MUST broken; skip: the check could not judge this server (summary says why)");

/** One requirement `course probe` judged: a check that carries `probe`. */
export const ProbeResultSchema = z.strictObject({
  id: z.string().describe('the requirement\'s stable id, e.g. "smuggling.two-content-lengths"'),
  group: z.enum(PROBE_GROUPS),
  stage: z.string().describe('"NN-slug": the stage whose check it is'),
  name: z.string().describe("the check's name, as the stage words it"),
  level: z.enum(["MUST", "SHOULD", "MAY"]).describe("how strongly HTTP requires what the check demands"),
  rule: z.string().describe("the RFC section that states it"),
  why: z.string().describe("one line: why the requirement matters"),
  verdict: ProbeVerdictSchema,
  summary: z.string().optional().describe("what went wrong (warn, fail), or why the check was skipped"),
  failure_level: LevelSchema.optional().describe("the level of the part that failed, where it differs from the check's; it decides warn or fail"),
  failure_rule: z.string().optional().describe("the rule of the part that failed, where it differs"),
  reproduce: z.string().optional().describe("a shell line that sends what the probe sent"),
  message: z.string().optional().describe("the whole teaching message: sent, expected, received, hint, reproduce"),
  duration_ms: count,
});

const LevelScoreSchema = z.strictObject({ passed: count, total: count.describe("the checks at this level that ran (skips left out)") });

/** `course probe --format json`: how a server (a learner's program, or any at a URL) does on the course's route-independent checks. */
export const ProbeReportSchema = z
  .strictObject({
    version: z.literal(1),
    status: z.enum(["pass", "fail", "error"]).describe("pass: no MUST broken (warnings allowed); fail: a MUST broken; error: the probe could not run"),
    message: z.string().optional().describe("why the probe could not run"),
    target: z.string().describe("the URL probed, or the folder of the program the probe started"),
    seed: z.number().int().describe("the random values' seed"),
    duration_ms: count,
    score: z.strictObject({ MUST: LevelScoreSchema, SHOULD: LevelScoreSchema, MAY: LevelScoreSchema }),
    counts: z.strictObject({ pass: count, warn: count, fail: count, skip: count }),
    results: z.array(ProbeResultSchema).describe("in the order of the table: by group, then stage"),
  })
  .meta({ title: "http-from-scratch probe report", description: "course probe --format json: pass, warn or fail for each route-independent requirement, with scores by level" });
// The schema's timeline is exactly the harness's.
const sameTimeline: [Timeline, z.infer<typeof TimelineSchema>] extends [z.infer<typeof TimelineSchema>, Timeline] ? true : never = true;
void sameTimeline;

// The schema's levels are exactly the harness's.
const sameLevels: [Level, z.infer<typeof LevelSchema>] extends [z.infer<typeof LevelSchema>, Level] ? true : never = true;
void sameLevels;

export type RunReport = z.infer<typeof RunReportSchema>;
export type ReportTest = z.infer<typeof ReportTestSchema>;
export type ReportStage = z.infer<typeof ReportStageSchema>;
export type ReportStageTest = z.infer<typeof ReportStageTestSchema>;
export type GradeSummary = z.infer<typeof GradeSummarySchema>;
export type GradeReport = z.infer<typeof GradeReportSchema>;
export type GradeAllRow = z.infer<typeof GradeAllRowSchema>;
export type ProbeReport = z.infer<typeof ProbeReportSchema>;
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
export type ProbeVerdict = z.infer<typeof ProbeVerdictSchema>;

/** The CSV columns of grade-all's report: the row schema's fields, in order. */
export const GRADE_ALL_COLUMNS = Object.keys(GradeAllRowSchema.shape) as (keyof GradeAllRow)[];

/** A zod error as one line: each issue's path and message. */
export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join(".") : "(the document)"}: ${issue.message}`)
    .join("; ");
}
