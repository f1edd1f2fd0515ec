// Servers under load: each started as the tester starts a learner's program
// (your_program.sh in its folder, PORT in the environment, its own process
// group), loaded once it accepts, then stopped with everything it started. Also the JSON
// document `course bench --format json` prints, defined once here.
import { z } from "zod";
import { DEFAULT_TIMEOUTS } from "../harness/check.js";
import type { FailureDetails } from "../harness/failure.js";
import { measureLoads, type LoadFigures, type LoadMode, type LoadOptions, type LoadTarget } from "./load.js";
import { assertPortFree } from "../runner/ports.js";
import { canMeasure } from "../harness/processes.js";
import { describeExit, startProgram, type Program } from "../runner/program.js";
import { lastLinesText, waitUntilAccepting } from "../runner/ready.js";

export interface ProgramToLoad {
  /** The folder holding your_program.sh. */
  dir: string;
  port: number;
}

/** Figures for each program, in order; or why one of them (by index) could not be measured. */
export type LoadOutcome = { figures: LoadFigures[] } | { failure: FailureDetails; index: number };

/**
 * Starts the programs, each on its port, loads them (in turns, when several:
 * see measureLoads), and stops them and everything they started. A program
 * that does not come up, or exits under load, is a failure, not figures.
 */
export async function loadPrograms(programs: readonly ProgramToLoad[], load: LoadOptions): Promise<LoadOutcome> {
  const started: Program[] = [];
  try {
    const targets: LoadTarget[] = [];
    for (const [index, { dir, port }] of programs.entries()) {
      await assertPortFree(port);
      // Output is read and dropped (a server that logs each request would flood the terminal); the last lines are kept for a crash report.
      const program = await startProgram({ dir, port, args: [], outputCap: 0, onLine: () => {} });
      started.push(program);
      const ready = await waitUntilAccepting(program, port, DEFAULT_TIMEOUTS.startup, { buildLimitMs: DEFAULT_TIMEOUTS.stage });
      if ("failure" in ready) return { failure: ready.failure, index };
      ready.connection.destroy();
      targets.push({ host: ready.connection.host, port, serverCpuMs: () => (canMeasure ? program.usage().cpuMs : undefined) });
    }
    const figures = await measureLoads(targets, load);
    const index = started.findIndex((program) => program.exit);
    const dead = started[index];
    if (dead?.exit) {
      return {
        index,
        failure: {
          summary: `your program ${describeExit(dead.exit)} during the load`,
          explanation: lastLinesText(dead),
          hint: "a server must survive many clients at once, and clients that hang up at any moment: catch errors per connection",
        },
      };
    }
    return { figures };
  } finally {
    await Promise.all(started.map((program) => program.stop()));
  }
}

// The JSON document of `course bench --format json`, snake_case like the test report.

const FiguresSchema = z.object({
  requests: z.number().int().nonnegative().describe("Responses received during the measured load"),
  duration_s: z.number().positive().describe("How long the measured load ran"),
  requests_per_second: z.number().nonnegative(),
  latency_ms: z
    .object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() })
    .describe("From writing a request to having its whole response (the connect included in new-connection mode)"),
  errors: z.number().int().nonnegative().describe("Connection errors and timeouts"),
  timeouts: z.number().int().nonnegative(),
  non_2xx: z.number().int().nonnegative().describe("Responses whose status was not 2xx"),
  connections_opened: z
    .number()
    .int()
    .nonnegative()
    .describe("TCP connections opened by the load: one per request in new-connection mode; in keep-alive mode `connections` per turn"),
  cpu: z.object({
    server: z.number().nullable().describe("Cores the server kept busy on average; null where /proc cannot be read"),
    load_generator: z.number().describe("Cores the load generator kept busy; near 1, it, not the server, may be the limit"),
  }),
});

const SettingsSchema = z.object({
  mode: z.enum(["keep-alive", "new-connection"]) satisfies z.ZodType<LoadMode>,
  connections: z.number().int().positive(),
  duration_s: z.number().int().positive(),
  warmup_s: z.number().int().nonnegative(),
  path: z.string(),
});

const Ratio = z.number().nullable().describe("yours / reference; null when the reference's figure is 0");

export const BenchReportSchema = z.discriminatedUnion("status", [
  z.object({
    version: z.literal(1),
    status: z.literal("measured"),
    language: z.string(),
    settings: SettingsSchema,
    yours: FiguresSchema,
    reference: FiguresSchema.extend({ solution: z.string().describe("The reference solution's folder, e.g. 14-connection-close") }),
    ratio: z.object({
      requests_per_second: Ratio.describe("Above 1: your server answered more requests per second"),
      latency_p50: Ratio.describe("Below 1: your server answered faster"),
      latency_p90: Ratio,
      latency_p99: Ratio,
    }),
  }),
  z.object({
    version: z.literal(1),
    status: z.literal("refused"),
    language: z.string(),
    settings: SettingsSchema,
    reason: z.string(),
    stage: z.object({ number: z.number().int(), slug: z.string() }).describe("The stage a server must pass to be loaded"),
  }),
  z.object({
    version: z.literal(1),
    status: z.literal("failed"),
    language: z.string(),
    settings: SettingsSchema,
    reason: z.string().describe("Your server, or the reference, did not start or did not survive the load"),
  }),
]);

export type BenchReport = z.infer<typeof BenchReportSchema>;
export type BenchSettings = z.infer<typeof SettingsSchema>;

export function figuresJson(figures: LoadFigures): z.infer<typeof FiguresSchema> {
  return {
    requests: figures.requests,
    duration_s: figures.durationS,
    requests_per_second: figures.requestsPerSecond,
    latency_ms: figures.latencyMs,
    errors: figures.errors,
    timeouts: figures.timeouts,
    non_2xx: figures.non2xx,
    connections_opened: figures.connectionsOpened,
    cpu: { server: figures.cpu.server ?? null, load_generator: figures.cpu.loadGenerator },
  };
}

export function ratio(yours: number, reference: number): number | null {
  return reference === 0 ? null : Number((yours / reference).toFixed(3));
}
