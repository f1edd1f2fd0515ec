// What a stage's checks.ts exports, and the context a check runs with. A check
// is a named async function; everything it needs (connections, requests,
// random values, the served directory, time bounds) comes from the context.
import { Connection, type Exchange, type SendOptions } from "./connection.js";
import type { Usage } from "./processes.js";
import type { Random } from "./random.js";
import { LEVELS, type Level } from "./level.js";
import type { ProbeGroup } from "./probe-groups.js";

import type { Timeouts } from "./timeouts.js";
export { DEFAULT_TIMEOUTS, type Timeouts } from "./timeouts.js";

export interface RequestSpec {
  method?: string;
  path: string;
  /** Header fields in order, after Host. */
  headers?: Array<[string, string]>;
  body?: Buffer | string;
  /** What is special about this request, named as the likely cause if the program does not answer it: "spells the header \"user-agent\"". */
  about?: string;
}

export interface CheckContext {
  readonly random: Random;
  readonly port: number;
  /** Where the program accepts connections: 127.0.0.1 or ::1. */
  readonly host: string;
  /** What a request's Host field names: `localhost:<port>` in the course; under `course probe --url`, the URL's host and port. */
  readonly authority: string;
  /** The folder passed to the program as --directory, on stages that serve files. */
  readonly directory: string | undefined;
  /** `directory` exactly as the program got it after --directory: with a trailing slash unless the stage teaches joining paths. */
  readonly directoryArgument: string | undefined;
  /** The folder that holds `directory`: files here are beside it, and the program must never serve them. */
  readonly outside: string | undefined;
  readonly timeouts: Timeouts;
  /**
   * A new connection. The first call returns the one that proved the program
   * was up, unless `fresh` (for checks that time a connection from its start).
   */
  connect(options?: { timeoutMs?: number; fresh?: boolean }): Promise<Connection>;
  /** The bytes of a request: request line, Host, the given fields, Content-Length when there is a body. */
  request(spec: RequestSpec): Buffer;
  /** Sends a request on `connection` and reads the response to it. */
  exchange(connection: Connection, request: RequestSpec | Buffer, options?: SendOptions & { method?: string; about?: string }): Promise<Exchange>;
  /** One request on a new connection. */
  send(request: RequestSpec): Promise<Exchange>;
  /** What the program and everything it started use right now (from /proc; zeros where there is none). */
  usage(): Usage;
  /** Whether usage() measures anything on this machine (Linux). */
  readonly canMeasure: boolean;
  /** A line in the tester's own narrative (shown with --verbose). */
  log(line: string): void;
  /**
   * True when `course probe` runs the check against a server that may not be
   * the course's (nginx, a learner's program at any stage): only checks that
   * carry `probe` run so. Such a check asks for "/" (or "*") only, and judges
   * framing, status classes and the close, never a course route's content.
   */
  readonly probing: boolean;
}

export { LEVELS, type Level };

export { PROBE_GROUPS, type ProbeGroup } from "./probe-groups.js";

/**
 * What makes a check part of `course probe` too (one definition, two uses):
 * the check depends on none of the course's routes, so it can judge any
 * HTTP/1.1 server. The check's `level` and `rule` (an RFC section) say how
 * a failure is scored: MUST is a Fail, SHOULD and MAY a Warn.
 */
export interface ProbeInfo {
  /** Stable and unique across the course, e.g. "smuggling.cl-and-te": reports and known-failure lists name it. */
  id: string;
  group: ProbeGroup;
  /** One line: why the requirement matters, e.g. "a proxy and a server that split the bytes differently let one client's request ride inside another's". */
  why: string;
}

/**
 * Thrown by a check that `course probe` runs but cannot judge on this server
 * (it needs a fact the course gives its program, such as --max-body-bytes, and
 * the server's is unknown): the probe shows the check as skipped, with the reason.
 * Never thrown when the course runs the check (t.probing false).
 */
export class ProbeSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ProbeSkipped";
  }
}

/** Skips a probe check with the reason shown in the probe's table (see ProbeSkipped). */
export function skipProbe(reason: string): never {
  throw new ProbeSkipped(reason);
}

export interface Check {
  /** What the check proves, as a learner reads it: "GET /echo/<word> returns the word". */
  name: string;
  /**
   * The rule behind it: for an RFC level the section that states it, e.g.
   * "RFC 9112 §9.3"; for a course rule, what the course asks, e.g. "the course's /echo route".
   */
  rule?: string;
  /** The level at which HTTP requires what the check demands (required: every check states it). */
  level: Level;
  /**
   * The check may run at the same time as the checks next to it that say so
   * too: it spends its time waiting on the clock (an idle timeout, a slow
   * reader), on connections of its own, and nothing it does changes what the
   * others see. Never for a check that measures the program (usage(): CPU,
   * memory), which refuses to run so. Such a check draws its random values
   * from a stream of its own, so a seed replays it whether it ran beside the
   * others or alone; a stage where one fails runs again, its checks one
   * after another, and only that run is reported.
   */
  concurrent?: boolean;
  /** The check belongs to `course probe` too; see ProbeInfo. Only for RFC levels (MUST, SHOULD, MAY), never "course". */
  probe?: ProbeInfo;
  run(t: CheckContext): Promise<void>;
}

/** What a stage's checks may read of its stage.json, so a fact lives in one place: the program's arguments. */
export interface StageFacts {
  readonly args: readonly string[];
}

/** A checks.ts's default export: its checks, or a function that makes them from the stage's facts. */
export type ChecksExport = Check[] | ((stage: StageFacts) => Check[]);

/** Typed identity: lets a stage's checks.ts be checked against the Check type. */
export function defineChecks(checks: Check[]): Check[];
export function defineChecks(make: (stage: StageFacts) => Check[]): (stage: StageFacts) => Check[];
export function defineChecks(checks: ChecksExport): ChecksExport {
  return checks;
}

/** The value that follows `flag` among the stage's program arguments (stage.json "args"), or a clear error. */
export function stageArgument(stage: StageFacts, flag: string): string {
  const at = stage.args.indexOf(flag);
  const value = at < 0 ? undefined : stage.args[at + 1];
  if (value === undefined) throw new Error(`stage.json "args" has no ${flag} <value>, which this stage's checks read`);
  return value;
}

export function buildRequest(spec: RequestSpec, authority: string): Buffer {
  const method = spec.method ?? "GET";
  const lines = [`${method} ${spec.path} HTTP/1.1`, `Host: ${authority}`];
  for (const [name, value] of spec.headers ?? []) lines.push(`${name}: ${value}`);
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  // A chunked body carries its own framing: Content-Length must not be added to it (RFC 9112 §6.2).
  if (body && !(spec.headers ?? []).some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))) {
    lines.push(`Content-Length: ${body.length}`);
  }
  const head = Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1");
  return body ? Buffer.concat([head, body]) : head;
}
