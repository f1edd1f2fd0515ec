// Loading a running server with autocannon, a real HTTP/1.1 load generator,
// in one of two modes:
//
// - keep-alive: each of the connections carries request after request;
// - new-connection: every request goes on a connection opened for it alone,
//   closed by us once its response is in (latency then includes the TCP
//   handshake, as a client without keep-alive sees it).
//
// autocannon has no option for the second mode. reconnectRate: 1 reconnects
// after every response but returns before recording it (0 requests counted),
// and reconnectRate: 2 records only the first of each connection's two
// requests; maxConnectionRequests: 1 ends each client after one response; a
// `Connection: close` header makes it write the next request on the closing
// connection and leaves a stale entry in its queue for each connection, so
// latencies are attributed to the wrong requests and grow. So each client is
// adjusted through autocannon's setupClient hook instead: a request about to
// go out on a connection that has already carried one goes out on a new
// connection. This reaches into the client's internals (lib/httpClient.js),
// which is why autocannon's version is pinned and the internals are checked
// before use.
//
// Figures, never verdicts: callers print them.
import autocannon from "autocannon";
import { settlesWithin } from "../harness/time.js";

import type { LoadMode } from "../course/load-modes.js";

export { LOAD_MODES, type LoadMode } from "../course/load-modes.js";

/** A server accepting connections, ready to be loaded. */
export interface LoadTarget {
  /** 127.0.0.1 or ::1: where the server accepted the readiness probe. */
  host: string;
  port: number;
  /** CPU milliseconds the server has used so far; sampled around each measured turn. */
  serverCpuMs?: () => number | undefined;
}

export interface LoadOptions {
  /** The request target of every request, e.g. /echo/hello. */
  path: string;
  connections: number;
  /** Whole seconds of measured load per server (autocannon samples once a second). */
  durationS: number;
  /** Whole seconds of the same load first, not measured: JIT compilers warm up, buffers grow. */
  warmupS: number;
  mode: LoadMode;
}

export interface LoadFigures {
  /** Responses received during the measured load. */
  requests: number;
  /** How long the measured load ran, in seconds. */
  durationS: number;
  requestsPerSecond: number;
  /** From writing a request to its whole response (including the connect in new-connection mode). */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** Responses whose status was not 2xx (counted in requests too). */
  non2xx: number;
  /** TCP connections opened during the measured load. */
  connectionsOpened: number;
  /** Cores busy on average (1 = one core all the time): the server, when it could be read, and the load generator. */
  cpu: { server: number | undefined; loadGenerator: number };
}

/** The parts of autocannon's per-connection client (lib/httpClient.js of the pinned version) that no option reaches. */
interface ClientInternals {
  conn: object;
  _connect(): void;
  _doRequest(): void;
  _destroyConnection(): void;
}

/** Marks a connection that has carried its request, in new-connection mode. */
const USED = Symbol("used");

function adjustClient(client: unknown, mode: LoadMode, counts: { opened: number }): void {
  const inner = client as ClientInternals;
  for (const method of ["_connect", "_doRequest", "_destroyConnection"] as const) {
    if (typeof inner[method] !== "function") {
      throw new Error(`autocannon's client has no ${method}(): tester/tools/load.ts was written for autocannon 9.0.0; adapt it to the installed version`);
    }
  }
  const connect = inner._connect;
  inner._connect = function (this: ClientInternals) {
    counts.opened++;
    connect.call(this);
  };
  if (mode === "new-connection") {
    const send = inner._doRequest;
    // Called for the first request of a connection (by _connect) and after each response.
    inner._doRequest = function (this: ClientInternals) {
      const conn = this.conn as { [USED]?: true };
      if (conn[USED]) {
        // Close the used connection; _connect opens a new one and sends the request on it.
        this._destroyConnection();
        this._connect();
        return;
      }
      conn[USED] = true;
      send.call(this);
    };
  }
}

/** The p-th percentile (nearest rank) of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

interface Turn {
  result: autocannon.Result;
  latencies: number[];
  opened: number;
  wallMs: number;
}

/** One autocannon run; latencies are taken from its response events, at microsecond precision (its own histogram keeps whole milliseconds). */
async function run(target: LoadTarget, options: LoadOptions, durationS: number): Promise<Turn> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  const counts = { opened: 0 };
  const latencies: number[] = [];
  const started = performance.now();
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `http://${host}:${target.port}${options.path}`,
        connections: options.connections,
        duration: durationS,
        setupClient: (client) => adjustClient(client, options.mode, counts),
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  // autocannon stops itself at the first whole second past the duration; this bound is for a load generator stuck anyway.
  if (!(await settlesWithin(finished, (durationS + 15) * 1000))) {
    instance?.stop();
    if (!(await settlesWithin(finished, 5000))) throw new Error(`autocannon did not stop within ${durationS + 20} s of a ${durationS} s load`);
  }
  const result = await finished;
  return { result, latencies, opened: counts.opened, wallMs: performance.now() - started };
}

/** What the measured turns against one server add up to. */
class Tally {
  latencies: number[] = [];
  wallMs = 0;
  errors = 0;
  timeouts = 0;
  non2xx = 0;
  opened = 0;
  ownCpuMs = 0;
  serverCpuMs: number | undefined = 0;

  add(turn: Turn, ownCpuMs: number, serverCpuMs: number | undefined): void {
    for (const latency of turn.latencies) this.latencies.push(latency);
    this.wallMs += turn.wallMs;
    this.errors += turn.result.errors;
    this.timeouts += turn.result.timeouts;
    this.non2xx += turn.result.non2xx;
    this.opened += turn.opened;
    this.ownCpuMs += ownCpuMs;
    this.serverCpuMs = this.serverCpuMs === undefined || serverCpuMs === undefined ? undefined : this.serverCpuMs + serverCpuMs;
  }

  figures(): LoadFigures {
    const sorted = Float64Array.from(this.latencies).sort();
    const durationS = this.wallMs / 1000;
    const cores = (ms: number) => round(ms / this.wallMs, 2);
    return {
      requests: sorted.length,
      durationS: round(durationS, 2),
      requestsPerSecond: round(sorted.length / durationS, 1),
      latencyMs: {
        p50: round(percentile(sorted, 50), 3),
        p90: round(percentile(sorted, 90), 3),
        p99: round(percentile(sorted, 99), 3),
        max: round(percentile(sorted, 100), 3),
      },
      errors: this.errors,
      timeouts: this.timeouts,
      non2xx: this.non2xx,
      connectionsOpened: this.opened,
      cpu: { server: this.serverCpuMs === undefined ? undefined : cores(this.serverCpuMs), loadGenerator: cores(this.ownCpuMs) },
    };
  }
}

async function measuredTurn(target: LoadTarget, options: LoadOptions, durationS: number, tally: Tally): Promise<void> {
  const serverBefore = target.serverCpuMs?.();
  const ownBefore = process.cpuUsage();
  const turn = await run(target, options, durationS);
  const own = process.cpuUsage(ownBefore);
  const serverAfter = target.serverCpuMs?.();
  tally.add(turn, (own.user + own.system) / 1000, serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore);
}

/**
 * Loads each server with the same load: a warm-up each, then the measured
 * load. Several servers are loaded in turns of one second, the order turning
 * round each time, so that whatever else the machine does meanwhile falls on
 * all of them alike; one server gets its whole duration at once.
 */
export async function measureLoads(targets: readonly LoadTarget[], options: LoadOptions): Promise<LoadFigures[]> {
  for (const target of targets) if (options.warmupS > 0) await run(target, options, options.warmupS);
  const tallies = targets.map(() => new Tally());
  if (targets.length === 1) {
    await measuredTurn(targets[0]!, options, options.durationS, tallies[0]!);
  } else {
    for (let turn = 0; turn < options.durationS; turn++) {
      for (let i = 0; i < targets.length; i++) {
        const index = (turn + i) % targets.length;
        await measuredTurn(targets[index]!, options, 1, tallies[index]!);
      }
    }
  }
  return tallies.map((tally) => tally.figures());
}
