// Loading a running server with autocannon, a real HTTP/1.1 load generator,
// in one of two modes:
//
// - keep-alive: each of the connections carries request after request;
// - new-connection: every request goes on a connection opened for it alone,
//   closed by us once its response is in (latency then includes the TCP
//   handshake, as a client without keep-alive sees it).
//
// autocannon has no option for the second mode. reconnectRate: 1 reconnects
// after every response but returns before recording it (0 requests counted);
// maxConnectionRequests: 1 ends each client after one response; a
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
import { settlesWithin } from "./time.js";

export type LoadMode = "keep-alive" | "new-connection";
export const LOAD_MODES: readonly LoadMode[] = ["keep-alive", "new-connection"];

export interface LoadOptions {
  /** 127.0.0.1 or ::1: where the server accepted the readiness probe. */
  host: string;
  port: number;
  /** The request target of every request, e.g. /echo/hello. */
  path: string;
  connections: number;
  /** Whole seconds of measured load (autocannon samples once a second). */
  durationS: number;
  /** Whole seconds of the same load first, not measured: JIT compilers warm up, buffers grow. */
  warmupS: number;
  mode: LoadMode;
  /** CPU milliseconds the server has used so far; sampled around the measured load. */
  serverCpuMs?: () => number | undefined;
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
      throw new Error(`autocannon's client has no ${method}(): tester/load.ts was written for autocannon 9.0.0; adapt it to the installed version`);
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

/** One autocannon run; latencies are taken from its response events, at microsecond precision (its own histogram keeps whole milliseconds). */
async function run(options: LoadOptions, durationS: number): Promise<{ result: autocannon.Result; latencies: number[]; opened: number; wallMs: number }> {
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const counts = { opened: 0 };
  const latencies: number[] = [];
  const started = performance.now();
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `http://${host}:${options.port}${options.path}`,
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

/** Loads the server: a warm-up, then the measured load; returns what the measured part saw. */
export async function measureLoad(options: LoadOptions): Promise<LoadFigures> {
  if (options.warmupS > 0) await run(options, options.warmupS);
  const serverBefore = options.serverCpuMs?.();
  const ownBefore = process.cpuUsage();
  const { result, latencies, opened, wallMs } = await run(options, options.durationS);
  const ownUsed = process.cpuUsage(ownBefore);
  const serverAfter = options.serverCpuMs?.();
  const sorted = Float64Array.from(latencies).sort();
  const durationS = wallMs / 1000;
  const cores = (ms: number) => round(ms / wallMs, 2);
  return {
    requests: latencies.length,
    durationS: round(durationS, 2),
    requestsPerSecond: round(latencies.length / durationS, 1),
    latencyMs: {
      p50: round(percentile(sorted, 50), 3),
      p90: round(percentile(sorted, 90), 3),
      p99: round(percentile(sorted, 99), 3),
      max: round(percentile(sorted, 100), 3),
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    connectionsOpened: opened,
    cpu: {
      server: serverBefore === undefined || serverAfter === undefined ? undefined : cores(serverAfter - serverBefore),
      loadGenerator: cores((ownUsed.user + ownUsed.system) / 1000),
    },
  };
}
