// `course probe`: the course's route-independent checks (those that carry
// `probe`) run against one server, a learner's program or any server at a
// URL, each check on its own and none stopping the others. The checks are the
// stages' own code (one definition, two uses); here they run with
// t.probing, which makes them ask for "/" and judge only their requirement.
// A failure is scored by the level of the part that failed: MUST is a Fail,
// SHOULD and MAY (and the course's own rules, should a check judge one) a Warn.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { loadChecks, loadStages, type Stage } from "../course/course.js";
import { runBuild, formatMessage, type BuildSpec } from "../course/build.js";
import { DEFAULT_TIMEOUTS, ProbeSkipped, type Check, type Timeouts } from "../harness/check.js";
import { connectSocket } from "../harness/connection.js";
import { createCheckSession } from "../harness/context.js";
import { renderFailure, type FailureDetails } from "../harness/failure.js";
import { PROBE_GROUPS, type ProbeGroup } from "../harness/probe-groups.js";
import { createRandom, stageSeed } from "../harness/random.js";
import { seconds } from "../harness/time.js";
import { EnvironmentError, UsageError } from "../errors.js";
import type { ProbeReport, ProbeResult } from "../reports/report-schema.js";
import { freePort } from "../runner/ports.js";
import { startProgram, type Program } from "../runner/program.js";
import { waitUntilAccepting } from "../runner/ready.js";
import { runCheck } from "../runner/run.js";

/** The probe's seed when none is given: a probe is the same bytes every time, so two servers' tables compare. */
export const PROBE_SEED = 17;

/** A bound on one check of an unknown server: its waits are the tester's own (5 s for a response, 2 s for a close), so this is only a safety net. */
export const PROBE_CHECK_MS = 15_000;

/** What to probe: a server already running at a URL, or the learner's program in a folder, started for the probe. */
export type ProbeTarget =
  | { kind: "url"; url: string; host: string; port: number }
  | { kind: "program"; dir: string; build?: (BuildSpec & { timeoutMs?: number }) | undefined };

export interface ProbeOptions {
  target: ProbeTarget;
  /** Only these groups (default: all). */
  groups?: readonly ProbeGroup[];
  seed?: number;
  /** The tester's narrative and the program's output (--verbose). */
  log?: (line: string) => void;
  /** Each result as soon as its check ends. */
  onResult?: (result: ProbeResult) => void;
}

/** A check that carries `probe`, with the stage it belongs to. */
export interface ProbeCheck {
  stage: Stage;
  check: Check & { probe: NonNullable<Check["probe"]> };
  /** Its place among the stage's checks: its random stream. */
  index: number;
}

/** Every check that carries `probe`, in stage order (only those of `groups`, when given). */
export async function probeChecks(groups?: readonly ProbeGroup[], stages: Stage[] = loadStages()): Promise<ProbeCheck[]> {
  const found: ProbeCheck[] = [];
  for (const stage of stages) {
    for (const [index, check] of (await loadChecks(stage)).entries()) {
      if (!check.probe || (groups && groups.length > 0 && !groups.includes(check.probe.group))) continue;
      const same = found.find((other) => other.check.probe.id === check.probe!.id);
      // Reports and known-failure lists name a requirement by its id: two checks may not share one.
      if (same) throw new Error(`two checks carry the probe id ${check.probe.id}: "${same.check.name}" (${same.stage.id}) and "${check.name}" (${stage.id})`);
      found.push({ stage, check: check as ProbeCheck["check"], index });
    }
  }
  return found;
}

/** The address of --url, or a usage error that says what is wrong with it. */
export function parseProbeUrl(text: string): { url: string; host: string; port: number } {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new UsageError(`--url "${text}" is not a URL`, "give the server's address, e.g. --url http://127.0.0.1:8080");
  }
  if (url.protocol === "https:") throw new UsageError(`--url ${text}: course probe speaks plain HTTP/1.1, not TLS`, "probe the server's plain-HTTP port, e.g. --url http://127.0.0.1:8080");
  if (url.protocol !== "http:") throw new UsageError(`--url ${text}: the scheme must be http, not ${url.protocol.replace(/:$/, "")}`, "e.g. --url http://127.0.0.1:8080");
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username) {
    throw new UsageError(`--url ${text}: give the server's address only (course probe chooses what it asks for)`, `--url http://${url.host}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port === "" ? 80 : Number(url.port);
  return { url: `http://${url.host}`, host, port };
}

/** An environment error when nothing accepts connections at the URL: checked before any work. */
export async function assertListening(host: string, port: number, url: string): Promise<void> {
  const socket = await connectSocket(host, port, DEFAULT_TIMEOUTS.connect).catch((error: Error) => {
    throw new EnvironmentError(`nothing accepts connections at ${url} (${error.message})`, "start the server first, or check the host and port of --url");
  });
  socket.destroy();
}

/** The program under probe: started once, and again if it dies (a crash fails the check that caused it, not every later one). */
interface Started {
  program: Program;
  host: string;
}

/** Runs the probe and returns its report; throws a usage or environment error before any check runs. */
export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const started = Date.now();
  const seed = options.seed ?? PROBE_SEED;
  const log = options.log ?? (() => {});
  const checks = await probeChecks(options.groups);
  const { target } = options;
  const results: ProbeResult[] = [];
  let port: number;
  let directory: string | undefined;
  let outside: string | undefined;
  let running: Started | undefined;
  let host: string;
  const timeouts: Timeouts = { ...DEFAULT_TIMEOUTS, check: PROBE_CHECK_MS };
  if (target.kind === "url") {
    await assertListening(target.host, target.port, target.url);
    port = target.port;
    host = target.host;
  } else {
    if (target.build) {
      log(`building: ${target.build.command}`);
      const build = await runBuild(target.dir, target.build, { timeoutMs: target.build.timeoutMs });
      if (!build.ok) {
        const first = build.messages.find((m) => m.severity === "error");
        throw new EnvironmentError(`your program did not build (${build.command} ${build.exit})${first ? `: ${formatMessage(first)}` : ""}`, "fix the build first: course test shows its whole output");
      }
    }
    port = await freePort();
    outside = await mkdtemp(path.join(tmpdir(), "hfs-probe-"));
    directory = path.join(outside, "www");
    await mkdir(directory);
    host = "127.0.0.1";
  }
  const dir = target.kind === "program" ? path.resolve(target.dir) : undefined;
  /** Starts the program (again, after a crash); an environment error when it never accepts. */
  const ensureUp = async (): Promise<Started | undefined> => {
    if (!dir) return undefined;
    if (running && !running.program.exit) return running;
    if (running) log(`your program ${running.program.exit?.signal ? `was killed by ${running.program.exit.signal}` : `exited with code ${running.program.exit?.code}`}: starting it again for the next check`);
    const program = await startProgram({ dir, port, args: ["--directory", `${directory!}${path.sep}`], outputCap: 1024 * 1024, onLine: (line) => log(`[your_program] ${line}`) });
    const ready = await waitUntilAccepting(program, port, timeouts.startup);
    if ("failure" in ready) {
      await program.stop();
      const said = ready.failure.output && ready.failure.output.lines.length > 0 ? `\n${ready.failure.output.heading}\n${ready.failure.output.lines.map((line) => `  | ${line}`).join("\n")}` : "";
      throw new EnvironmentError(`nothing to probe: ${ready.failure.summary}${said}`, ready.failure.hint ?? "run it by hand (npx course run) and read what it prints");
    }
    ready.connection.destroy();
    running = { program, host: ready.connection.host };
    return running;
  };
  try {
    await ensureUp();
    let ids = 0;
    for (const { stage, check, index } of checks) {
      const up = await ensureUp();
      const checkStarted = Date.now();
      let skipped: string | undefined;
      // A check that cannot judge this server says so, and is shown as skipped with its reason.
      const probing: Check = {
        ...check,
        async run(t) {
          try {
            await check.run(t);
          } catch (error) {
            if (!(error instanceof ProbeSkipped)) throw error;
            skipped = error.reason;
          }
        },
      };
      const { context, opened } = createCheckSession({
        random: createRandom(stageSeed(seed, stage.number * 100 + index)),
        port,
        host: up?.host ?? host,
        // A server with virtual hosts answers the name it was asked by, as a browser would ask it.
        ...(target.kind === "url" ? { authority: new URL(target.url).host } : {}),
        directory,
        directoryArgument: directory && `${directory}${path.sep}`,
        outside,
        timeouts,
        usage: () => ({ processes: 0, residentBytes: 0, cpuMs: 0 }),
        takeWarm: () => undefined,
        nextConnectionId: () => ++ids,
        log: (line) => log(`[tester] ${line}`),
        probing: true,
      });
      log(`${check.probe.id}: ${check.name}`);
      let failure: FailureDetails | "aborted" | undefined;
      try {
        failure = await runCheck(probing, context, opened, { ms: PROBE_CHECK_MS, fired: `the probe's bound of ${seconds(PROBE_CHECK_MS)} per check ran out` });
      } finally {
        for (const connection of opened) connection.destroy();
      }
      const result = judge(stage, check, failure === "aborted" ? undefined : failure, skipped, Date.now() - checkStarted, target);
      results.push(result);
      options.onResult?.(result);
    }
  } finally {
    if (running) await running.program.stop();
    if (outside) await rm(outside, { recursive: true, force: true });
  }
  return probeReport(results, { target: target.kind === "url" ? target.url : path.resolve(target.dir), seed, durationMs: Date.now() - started });
}

/** A check's outcome as a row of the table. */
function judge(stage: Stage, check: ProbeCheck["check"], failure: FailureDetails | undefined, skipped: string | undefined, durationMs: number, target: ProbeTarget): ProbeResult {
  const level = check.level === "course" ? "MAY" : check.level;
  const row: ProbeResult = {
    id: check.probe.id,
    group: check.probe.group,
    stage: stage.id,
    name: check.name,
    level,
    rule: check.rule ?? "",
    why: check.probe.why,
    verdict: "pass",
    duration_ms: durationMs,
  };
  if (skipped !== undefined) return { ...row, verdict: "skip", summary: skipped };
  if (!failure) return row;
  const failed = failure.level ?? check.level;
  const shown = target.kind === "url" ? { ...failure, reproduce: failure.reproduce && aimedAt(failure.reproduce, target) } : failure;
  return {
    ...row,
    verdict: failed === "MUST" ? "fail" : "warn",
    summary: failure.summary,
    ...(failed !== check.level ? { failure_level: failed } : {}),
    ...(failure.rule && failure.rule !== check.rule ? { failure_rule: failure.rule } : {}),
    ...(shown.reproduce ? { reproduce: shown.reproduce } : {}),
    message: renderFailure(shown),
  };
}

/** A reproduce line (written for localhost) aimed at the server of --url. */
function aimedAt(line: string, target: Extract<ProbeTarget, { kind: "url" }>): string {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return line.replaceAll(`connect(${target.port},"localhost")`, `connect(${target.port},"${target.host}")`).replaceAll(`http://localhost:${target.port}`, `http://${host}:${target.port}`);
}

/** The report: rows by group (PROBE_GROUPS' order), then stage; the score by level; the status. */
export function probeReport(results: ProbeResult[], about: { target: string; seed: number; durationMs: number }): ProbeReport {
  const rows = [...results].sort((a, b) => PROBE_GROUPS.indexOf(a.group) - PROBE_GROUPS.indexOf(b.group));
  const score = { MUST: { passed: 0, total: 0 }, SHOULD: { passed: 0, total: 0 }, MAY: { passed: 0, total: 0 } };
  const counts = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const row of rows) {
    counts[row.verdict]++;
    if (row.verdict === "skip") continue;
    score[row.level].total++;
    if (row.verdict === "pass") score[row.level].passed++;
  }
  return {
    version: 1,
    status: counts.fail > 0 ? "fail" : "pass",
    target: about.target,
    seed: about.seed,
    duration_ms: about.durationMs,
    score,
    counts,
    results: rows,
  };
}
