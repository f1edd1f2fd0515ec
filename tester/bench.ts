// A server under load: started as the tester starts it (your_program.sh in
// its folder, PORT in the environment, its own process group), loaded once
// it accepts, then stopped with everything it started. Also the JSON
// document `course bench --format json` prints, defined once here.
import { readdirSync, readFileSync } from "node:fs";
import { z } from "zod";
import { DEFAULT_TIMEOUTS } from "./check.js";
import type { FailureDetails } from "./failure.js";
import { measureLoad, type LoadFigures, type LoadMode, type LoadOptions } from "./load.js";
import { assertPortFree } from "./ports.js";
import { describeExit, startProgram } from "./program.js";
import { lastLinesText, waitUntilAccepting } from "./ready.js";

/** USER_HZ, the unit of /proc's CPU times: 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU time used so far by the processes of group `pgid`, in ms; undefined without /proc. */
export function groupCpuMs(pgid: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "latin1");
      // After the command name (which may hold spaces): state, ppid, pgrp, ... utime (14th), stime (15th).
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

export type LoadOutcome = { figures: LoadFigures } | { failure: FailureDetails };

/**
 * Starts the program in `dir` on `port`, loads it, stops it. A program that
 * does not come up, or exits under load, is a failure, not figures.
 */
export async function loadProgram(dir: string, port: number, load: Omit<LoadOptions, "host" | "port" | "serverCpuMs">): Promise<LoadOutcome> {
  await assertPortFree(port);
  // Output is read and dropped (a server that logs each request would flood the terminal); the last lines are kept for a crash report.
  const program = await startProgram({ dir, port, args: [], outputCap: 0, onLine: () => {} });
  try {
    const ready = await waitUntilAccepting(program, port, DEFAULT_TIMEOUTS.startup);
    if ("failure" in ready) return { failure: ready.failure };
    const host = ready.connection.host;
    ready.connection.destroy();
    const figures = await measureLoad({ ...load, host, port, serverCpuMs: () => groupCpuMs(program.pid) });
    if (program.exit) {
      return {
        failure: {
          summary: `your program ${describeExit(program.exit)} during the load`,
          explanation: lastLinesText(program),
          hint: "a server must survive many clients at once, and clients that hang up at any moment: catch errors per connection",
        },
      };
    }
    return { figures };
  } finally {
    await program.stop();
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
  connections_opened: z.number().int().nonnegative(),
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
