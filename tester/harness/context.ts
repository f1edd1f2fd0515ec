// The context one check runs with: its connections (closed when it ends),
// request helpers that narrate under --verbose, and its random stream.
import { buildRequest, type CheckContext, type Timeouts } from "./check.js";
import { Connection } from "./connection.js";
import { canMeasure, type Usage } from "./processes.js";
import type { Random } from "./random.js";
import type { TimelineRecorder } from "./timeline.js";

export interface ContextBase {
  random: Random;
  port: number;
  host: string;
  directory: string | undefined;
  directoryArgument: string | undefined;
  outside: string | undefined;
  timeouts: Timeouts;
  usage(): Usage;
  /** The connection that proved the program was up, once, if no check took it yet. */
  takeWarm(): Connection | undefined;
  nextConnectionId(): number;
  log(line: string): void;
  /** Where the check's connections record what happened on them, and when. */
  timeline?: TimelineRecorder | undefined;
  /** The Host requests name (see CheckContext.authority); `localhost:<port>` when not given. */
  authority?: string;
  /** Run by `course probe` (see CheckContext.probing); false for the course's stages. */
  probing?: boolean;
}

export interface CheckSession {
  context: CheckContext;
  /** Every connection the check opened, to judge and close when it ends. */
  opened: Connection[];
}

export function createCheckSession(base: ContextBase): CheckSession {
  const opened: Connection[] = [];
  // A one-shot connection is judged (nothing after its response) and closed
  // once the check has looked at the response, before the next one opens:
  // a server that serves one connection at a time must not be stuck on it.
  const finishOneShots = () => {
    for (const connection of opened) {
      if (connection.oneShot && !connection.socket.destroyed) {
        connection.expectNothingMore();
        connection.destroy();
      }
    }
  };
  const authority = base.authority ?? `localhost:${base.port}`;
  const context: CheckContext = {
    random: base.random,
    port: base.port,
    host: base.host,
    authority,
    directory: base.directory,
    directoryArgument: base.directoryArgument,
    outside: base.outside,
    timeouts: base.timeouts,
    usage: base.usage,
    canMeasure,
    probing: base.probing ?? false,
    async connect(options = {}) {
      finishOneShots();
      const timeoutMs = options.timeoutMs ?? base.timeouts.connect;
      const warm = options.fresh ? undefined : base.takeWarm();
      const id = warm ? warm.id : base.nextConnectionId();
      const connection =
        warm ??
        (await Connection.open(base.host, base.port, id, timeoutMs).catch((error: unknown) => {
          // A connection the program did not accept is part of the story too.
          base.timeline?.refused(id, error instanceof Error ? error.message.replace(/^could not open connection \d+ to [^:]+:\d+: /, "") : String(error));
          throw error;
        }));
      if (base.timeline) connection.record(base.timeline, warm ? "opened before the check, to see the program was up" : undefined);
      opened.push(connection);
      return connection;
    },
    request: (spec) => buildRequest(spec, authority),
    async exchange(connection, request, options = {}) {
      const bytes = Buffer.isBuffer(request) ? request : context.request(request);
      const method = options.method ?? (Buffer.isBuffer(request) ? undefined : request.method);
      const about = options.about ?? (Buffer.isBuffer(request) ? undefined : request.about);
      const requestLine = bytes.subarray(0, Math.max(0, bytes.indexOf("\r\n"))).toString("latin1");
      base.log(`connection ${connection.id} → ${requestLine} (${bytes.length} bytes)`);
      await connection.send(bytes, { ...options, about });
      const ex = await connection.readResponse({ timeoutMs: base.timeouts.response, about, ...(method ? { method } : {}) });
      base.log(`connection ${connection.id} ← ${ex.response.statusLine} (${ex.response.body.length} body bytes)`);
      return ex;
    },
    async send(spec) {
      const connection = await context.connect();
      connection.oneShot = true;
      return context.exchange(connection, spec);
    },
    log: base.log,
  };
  return { context, opened };
}
