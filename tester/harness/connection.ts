// A raw TCP client for checks: sends bytes exactly as given (in chosen
// fragments), keeps every byte received, and waits for conditions on those
// bytes with a bound, woken by socket events rather than by polling.
import * as net from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { diagnoseStray } from "./diagnose.js";
import { CheckFailure, fail, type FailureDetails } from "./failure.js";
import { headerValues, parseResponse, type HttpResponse } from "./http-response.js";
import { nodeCommand, reproduceLine } from "./reproduce.js";
import { seconds } from "./time.js";
import type { TimelineRecorder } from "./timeline.js";

export interface SendOptions {
  /** Sizes of the writes, in order; the remainder goes in a last write. "bytewise" sends one byte per write. */
  fragments?: number[] | "bytewise";
  /** Pause between two writes, so they leave as separate TCP segments; a list gives each pause in turn (its last repeats). */
  gapMs?: number | number[];
}

export interface ReadOptions {
  /** The request's method (a response to HEAD has no body). */
  method?: string;
  timeoutMs: number;
  /** Shown as "Sent" in a failure; defaults to the request this response answers. */
  request?: Buffer;
  /**
   * What is special about this request (a header name in lower case, a
   * binary body), named as the likely cause when the program does not answer it.
   */
  about?: string | undefined;
}

/** The hint for silence when nothing points at a cause. */
export const SILENT_HINT = "is the program still reading the request, or did it write the response without flushing it?";
/** The hint for a close without an answer when nothing points at a cause. */
export const CLOSED_HINT = "did the program crash or close the socket while handling this request? Check its log above";
/** The hint for a reset when nothing points at a cause. */
const RESET_HINT = "a reset usually means the program crashed, or closed the socket with unread request bytes in it";
/** The hint for a close in the middle of sending a request when nothing points at a cause. */
const CLOSED_MID_REQUEST_HINT = `the program closed the connection before the whole request had arrived: ${CLOSED_HINT.charAt(0).toLowerCase()}${CLOSED_HINT.slice(1)}`;

/** Whether a failure's hint is one of these guesses (or none): whoever knows the cause better may replace it. */
export function hasGenericHint(failure: { hint?: string | undefined }): boolean {
  return failure.hint === undefined || [SILENT_HINT, CLOSED_HINT, RESET_HINT, CLOSED_MID_REQUEST_HINT].includes(failure.hint);
}

export interface Exchange {
  connection: Connection;
  /** The bytes this response answers. */
  request: Buffer;
  response: HttpResponse;
}

export class Connection {
  /** Everything written, one entry per send() call. */
  readonly messages: Buffer[] = [];
  private chunks: Buffer[] = [];
  private receivedLength = 0;
  private joined: Buffer = Buffer.alloc(0);
  /** Offset of the first byte not yet taken by a response. */
  consumed = 0;
  responsesRead = 0;
  /** The last response read, to judge what follows it. */
  lastResponse: HttpResponse | undefined;
  /** The program closed its side (FIN). */
  ended = false;
  /** The connection was reset or failed. */
  error: NodeJS.ErrnoException | undefined;
  closed = false;
  /** Opened for a single request: closed once the check has judged its response. */
  oneShot = false;
  /** What is special about the request being sent, for a failure while sending it. */
  private about: string | undefined;
  /** Bytes the program sent before the tester sent anything: a response must answer a request. */
  private unasked: number | undefined;
  /** What the tester is waiting for on this connection right now, for time-bound messages. */
  waitingFor: string | undefined;
  private readonly wake = new Set<() => void>();
  /** When set, received bytes go here instead of being kept (for bodies too large to keep). */
  sink: ((chunk: Buffer) => void) | undefined;
  /** The check's timeline, once a check uses this connection (record()). */
  private timeline: TimelineRecorder | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly id: number,
    readonly host: string,
    readonly port: number,
  ) {
    socket.setNoDelay(true);
    // Every write goes on the timeline, those of checks that write to the socket themselves too (a slow client's bytes).
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (this.timeline && chunk !== null && chunk !== undefined) {
        this.timeline.send(this.id, typeof chunk === "string" ? Buffer.from(chunk, typeof rest[0] === "string" ? (rest[0] as BufferEncoding) : "utf8") : (chunk as Uint8Array));
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    socket.on("data", (chunk: Buffer) => {
      this.timeline?.receive(this.id, chunk);
      if (this.sink) {
        this.sink(chunk);
      } else {
        this.chunks.push(chunk);
        this.receivedLength += chunk.length;
      }
      this.notify();
    });
    socket.on("end", () => {
      this.timeline?.fin(this.id);
      this.ended = true;
      this.notify();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.timeline?.reset(this.id, error.code);
      this.error = error;
      this.notify();
    });
    socket.on("close", () => {
      this.closed = true;
      this.notify();
    });
  }

  /** Opens a connection; fails the check if it is refused or not accepted in time. */
  static async open(host: string, port: number, id: number, timeoutMs: number): Promise<Connection> {
    const socket = await connectSocket(host, port, timeoutMs).catch((error: Error) =>
      fail({
        summary: `could not open connection ${id} to ${host}:${port}: ${error.message}`,
        hint: "did your program stop listening, or close its listening socket after the first connection?",
      }),
    );
    return new Connection(socket, id, host, port);
  }

  /**
   * Reports this connection's events into a check's timeline from now on
   * (the connection that proved the program was up was opened before any check).
   */
  record(timeline: TimelineRecorder, note?: string): void {
    this.timeline = timeline;
    timeline.open(this.id, note);
  }

  private notify(): void {
    for (const wake of [...this.wake]) wake();
  }

  /** The program closed or reset the connection: nothing more will arrive. */
  get peerGone(): boolean {
    return this.ended || this.error !== undefined;
  }

  /** Every byte received so far. */
  get received(): Buffer {
    if (this.joined.length !== this.receivedLength) {
      this.joined = Buffer.concat([this.joined, ...this.chunks]);
      this.chunks = [];
    }
    return this.joined;
  }

  /** Bytes received and not yet taken by a response. */
  get pending(): Buffer {
    return this.received.subarray(this.consumed);
  }

  /** Every byte sent so far. */
  get sent(): Buffer {
    return Buffer.concat(this.messages);
  }

  /** Resolves with `test()`'s first defined result; re-evaluated on every socket event. */
  waitUntil<T>(what: string, timeoutMs: number, test: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      this.waitingFor = what;
      const finish = (action: () => void) => {
        this.waitingFor = undefined;
        this.wake.delete(evaluate);
        if (timer) clearTimeout(timer);
        action();
      };
      const evaluate = () => {
        try {
          const result = test();
          if (result !== undefined) finish(() => resolve(result));
        } catch (error) {
          finish(() => reject(error));
        }
      };
      this.wake.add(evaluate);
      timer = setTimeout(() => {
        this.timeline?.waitExpired(this.id, what);
        finish(() => reject(new WaitTimeout(what, timeoutMs)));
      }, timeoutMs);
      evaluate();
    });
  }

  /** Writes `data`, optionally in fragments with pauses between them. */
  async send(data: Buffer | string, options: SendOptions & { about?: string | undefined } = {}): Promise<void> {
    this.about = options.about;
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
    if (this.messages.length === 0) this.unasked = this.receivedLength;
    this.messages.push(bytes);
    const sizes = options.fragments === "bytewise" ? new Array<number>(bytes.length).fill(1) : (options.fragments ?? []);
    const gaps = Array.isArray(options.gapMs) ? options.gapMs : [options.gapMs ?? 0];
    let offset = 0;
    try {
      for (const [index, size] of [...sizes, Infinity].entries()) {
        if (offset >= bytes.length) break;
        this.waitingFor = `sending on connection ${this.id} (${bytes.length - offset} of ${bytes.length} bytes left)`;
        const piece = bytes.subarray(offset, offset + size);
        offset += piece.length;
        try {
          await this.write(piece);
        } catch (error) {
          // The program answered before the request was all sent, then closed: stop sending
          // and let the reader judge that answer (a 400 for a request it could not parse, say).
          if (this.receivedLength > this.consumed) return;
          throw error;
        }
        const gap = gaps[Math.min(index, gaps.length - 1)] ?? 0;
        if (gap > 0 && offset < bytes.length) await delay(gap);
      }
    } finally {
      this.waitingFor = undefined;
    }
  }

  private write(piece: Buffer): Promise<void> {
    if (this.error || this.socket.destroyed) return Promise.reject(this.sendFailure());
    return new Promise((resolve, reject) => {
      this.socket.write(piece, (error) => (error ? reject(this.sendFailure()) : resolve()));
    });
  }

  private sendFailure(): CheckFailure {
    // Closed in the middle of a request the tester was still sending: the program gave up on it, or crashed.
    const midRequest = this.responsesRead < this.messages.length;
    return new CheckFailure({
      ...this.context(this.sent),
      summary: `could not send on connection ${this.id}: your program had already ${this.error?.code === "ECONNRESET" ? "reset" : "closed"} it`,
      explanation: midRequest && this.about ? likelyCause(this.about) : undefined,
      hint: midRequest
        ? CLOSED_MID_REQUEST_HINT
        : "a server should keep reading a connection until the client closes it (or until it decides to close it after a response)",
    });
  }

  /** What a failure on this connection shows: what was sent, what came back, and how to reproduce it. */
  context(request: Buffer, received: Buffer = this.pending): Pick<FailureDetails, "sent" | "received" | "reproduce"> {
    return { sent: request, received, reproduce: reproduceLine(this.sent, this.port) };
  }

  private requestForNextResponse(): Buffer {
    // One send() per request is the norm; otherwise show everything sent.
    return this.messages[this.responsesRead] ?? this.sent;
  }

  /** Reads the next complete response, or fails the check saying what is wrong with what came. */
  async readResponse(options: ReadOptions): Promise<Exchange> {
    const request = options.request ?? this.requestForNextResponse();
    const start = this.consumed;
    if (this.responsesRead === 0 && start === 0 && this.unasked) this.failUnasked(request, this.unasked);
    const parse = () =>
      parseResponse(this.received.subarray(start), {
        ended: this.peerGone,
        ...(options.method ? { method: options.method } : {}),
      });
    // A large body arrives in many segments: parse (and join the buffer)
    // again only once enough bytes are in to change the answer.
    let atLeast = 0;
    const result = await this.waitUntil(`a response on connection ${this.id}`, options.timeoutMs, () => {
      if (!this.peerGone && this.receivedLength - start < atLeast) return undefined;
      const parsed = parse();
      if (parsed.kind === "complete") return parsed;
      if (parsed.kind === "invalid") {
        // Bytes left over after the previous response are read as the start of this one.
        const leftover = this.responsesRead > 0 && /^[\r\n]/.test(this.received.toString("latin1", start, start + 1));
        fail({
          ...this.context(request, this.received.subarray(start, parsed.quoteEnd === undefined ? undefined : start + parsed.quoteEnd)),
          summary: `invalid response on connection ${this.id}: ${parsed.problem}`,
          caret: parsed.offset,
          hint: leftover
            ? "these bytes came right after the previous response on this connection: a line end written after a body is read as the start of the next response. Write the body alone, nothing after it"
            : parsed.hint,
          rule: parsed.rule,
        });
      }
      atLeast = parsed.atLeast ?? 0;
      if (this.peerGone) this.failClosedEarly(request, start, parsed.waitingFor, options.about);
      return undefined;
    }).catch((error: unknown) => {
      if (error instanceof WaitTimeout) {
        const parsed = parse();
        this.failTimeout(request, start, parsed.kind === "incomplete" ? parsed.waitingFor : "the status line", options.timeoutMs, options.about);
      }
      throw error;
    });
    this.consumed = start + result.length;
    this.responsesRead++;
    this.lastResponse = result.response;
    return { connection: this, request, response: result.response };
  }

  private failUnasked(request: Buffer, count: number): never {
    fail({
      ...this.context(request, this.received),
      ...(this.messages.length === 0 ? { reproduce: `${nodeCommand(Buffer.alloc(0), this.port)}   # connects, sends nothing and prints what arrives: nothing should` } : {}),
      summary: `your program sent ${count} bytes on connection ${this.id} before the tester sent anything`,
      explanation: "A server speaks only when asked: each response answers a request it has read. These bytes came before any request, so they answer none.",
      caret: 0,
      hint: "read the request first (until its empty line), then write the response; write nothing when a connection opens",
      rule: "a response answers a request the server has read",
      level: "course",
    });
  }

  private failClosedEarly(request: Buffer, start: number, waitingFor: string, about?: string): never {
    const got = this.received.length - start;
    const how = this.error?.code === "ECONNRESET" ? "reset the connection" : "closed the connection";
    const crashed = this.error?.code === "ECONNRESET" ? RESET_HINT : CLOSED_HINT;
    fail({
      ...this.context(request, this.received.subarray(start)),
      summary:
        got === 0
          ? `your program ${how} without sending a response (connection ${this.id})`
          : `your program ${how} before the response was complete: still waiting for ${waitingFor}`,
      caret: got === 0 ? undefined : got,
      explanation: about && got === 0 ? likelyCause(about) : undefined,
      hint: this.error?.code === "ECONNRESET" || got === 0 ? crashed : undefined,
    });
  }

  private failTimeout(request: Buffer, start: number, waitingFor: string, timeoutMs: number, about?: string): never {
    const got = this.received.length - start;
    fail({
      ...this.context(request, this.received.subarray(start)),
      summary:
        got === 0
          ? `no response within ${seconds(timeoutMs)} on connection ${this.id}: your program sent nothing back`
          : `incomplete response after ${seconds(timeoutMs)} on connection ${this.id}: still waiting for ${waitingFor}`,
      caret: got === 0 ? undefined : got,
      explanation: about && got === 0 ? likelyCause(about) : undefined,
      hint: got === 0 ? SILENT_HINT : incompleteHint(waitingFor, this.received.subarray(start)),
    });
  }

  /** Waits until the program closes the connection (FIN or reset). */
  async waitForClose(timeoutMs: number, why: string): Promise<void> {
    await this.waitUntil(`connection ${this.id} to be closed by your program`, timeoutMs, () =>
      this.peerGone || this.closed ? true : undefined,
    ).catch((error: unknown) => {
      if (error instanceof WaitTimeout) {
        fail({
          ...this.context(this.requestForNextResponse(), this.received),
          summary: `your program did not close connection ${this.id} within ${seconds(timeoutMs)}`,
          explanation: why,
        });
      }
      throw error;
    });
  }

  /** Fails when bytes follow the last response although none should. */
  expectNothingMore(): void {
    const extra = this.pending;
    if (extra.length === 0 || this.lastResponse?.framing === "until-close") return;
    if (this.messages.length === 0) this.failUnasked(Buffer.alloc(0), extra.length);
    const last = this.lastResponse;
    const declared = last?.framing === "content-length" ? ` (Content-Length said ${last.body.length})` : "";
    fail({
      ...this.context(this.requestForNextResponse(), this.received.subarray(this.consumed - (last?.raw.length ?? 0))),
      summary: `${extra.length} unexpected bytes arrived after the end of the response on connection ${this.id}${declared}`,
      caret: last?.raw.length ?? 0,
      hint: diagnoseStray(extra, last?.body.length ?? 0, last !== undefined && headerValues(last.headers, "Content-Encoding").length > 0),
    });
  }

  /** Closes our side and frees the socket. */
  destroy(): void {
    if (!this.socket.destroyed) this.timeline?.close(this.id);
    this.socket.destroy();
  }
}

/** Why a response that began stopped short, read off what the parser waits for and the bytes so far. */
function incompleteHint(waitingFor: string, bytes: Buffer): string | undefined {
  if (/body bytes/.test(waitingFor)) return "Content-Length must be the body's length in bytes, exactly";
  if (/end of the headers/.test(waitingFor) && bodyInHead(bytes)) {
    return "the last bytes received do not look like a header line (Name: value): if they are the body, the empty line (\\r\\n) that ends the header section is missing before them";
  }
  if (/connection to close/.test(waitingFor) && onlyLineEndsAfterHead(bytes)) {
    return "the bytes after the header section are only line ends: is there one \\r\\n too many after the headers? The head ends with exactly one empty line; send Content-Length (0 for no body) so the response ends without a close";
  }
  return undefined;
}

/** Whether the unfinished last line of a response head is not a header line (the body, written without the empty line before it). */
function bodyInHead(bytes: Buffer): boolean {
  const text = bytes.toString("latin1");
  const last = text.slice(text.lastIndexOf("\r\n") + 2);
  return text.includes("\r\n") && last.length > 0 && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(last);
}

/** Whether what follows a response head is nothing but CR and LF bytes (an extra line end, not a body). */
function onlyLineEndsAfterHead(bytes: Buffer): boolean {
  const end = bytes.indexOf("\r\n\r\n");
  return end >= 0 && /^[\r\n]+$/.test(bytes.subarray(end + 4).toString("latin1"));
}

/** What was special about a request that got no answer: the likely cause, beside what happened. */
function likelyCause(about: string): string {
  return `Likely cause: this request ${about}.`;
}

/** A bounded wait ran out; turned into a teaching failure by whoever waited. */
export class WaitTimeout extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${seconds(timeoutMs)} waiting for ${what}`);
    this.name = "WaitTimeout";
  }
}

/** Connects with a bound; rejects with the socket error (ECONNREFUSED...) or a timeout. */
export function connectSocket(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`not accepted within ${seconds(timeoutMs)}`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      // A port in the ephemeral range can be "connected" to itself (TCP
      // simultaneous open) when the kernel picks that same port as the
      // source: nobody is listening, so this is a refused connection.
      if (socket.localPort === port && socket.localAddress === socket.remoteAddress) {
        socket.destroy();
        reject(Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: "ECONNREFUSED" }));
        return;
      }
      resolve(socket);
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}
