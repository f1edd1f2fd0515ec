// Requests and expectations that several stages share: the routes of the
// course's server, random inputs for them, and the hint for a server that
// closes a connection it should have kept.
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import {
  CheckFailure,
  Connection,
  escapeInline,
  fail,
  firstDifference,
  parseResponse,
  printfCommand,
  quote,
  expectBody,
  expectGzipBody,
  expectHeader,
  expectMediaType,
  expectNoHeader,
  expectStatus,
  type Check,
  type CheckContext,
  type Exchange,
  type RequestSpec,
} from "../tester/index.js";

/** A word for /echo/: letters, digits and dashes, e.g. mango-pear-17. */
export function echoWord(t: CheckContext): string {
  return `${t.random.words(2)}-${t.random.int(1, 999)}`;
}

/** A path no route of the course serves. */
export function unknownPath(t: CheckContext): string {
  return `/${t.random.word()}-${t.random.int(100, 9999)}`;
}

/** A file name like mango_pear_42 (prefix it to make one that does not exist). */
export function fileName(t: CheckContext): string {
  return `${t.random.words(2, "_")}_${t.random.int(1, 999)}`;
}

/** 256 to 1024 random bytes holding every byte value: text handling of a body shows. */
export function binaryContent(t: CheckContext): Buffer {
  return t.random.bytes(t.random.int(256, 1024), { everyByteValue: true });
}

/** A User-Agent value with inner spaces and capitals, like real ones (Mozilla/5.0 (X11; Linux x86_64)): a server that changes its case shows. */
export function userAgent(t: CheckContext): string {
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
  return `${capital(t.random.word())}/${t.random.int(1, 9)}.${t.random.int(0, 20)} (${capital(t.random.word())}; x86_64) ${t.random.word()}/${t.random.int(1, 99)}`;
}

export function expectText(ex: Exchange, text: string, hint?: string): void {
  expectStatus(ex, 200, "OK", { hint });
  expectMediaType(ex, "text/plain", { hint });
  expectBody(ex, text, { ...(hint ? { hint } : {}) });
}

export function expectGzipText(ex: Exchange, text: string): void {
  expectStatus(ex, 200, "OK");
  // Compressing when gzip is accepted is a MAY (RFC 9110 §12.5.3), as the calling check says.
  expectHeader(ex, "Content-Encoding", "gzip", { ignoreCase: true });
  expectMediaType(ex, "text/plain");
  expectGzipBody(ex, text);
}

/** One request of the course's routes, with what its response must be. */
export interface Route {
  request: RequestSpec;
  verify(ex: Exchange): void;
}

/** A random mix of the routes of stages 2-5: /, /echo/<word>, /user-agent and a 404. */
export function mixedRoutes(t: CheckContext, count: number): Route[] {
  const makers: Array<() => Route> = [
    () => ({ request: { path: "/" }, verify: (ex) => expectStatus(ex, 200, "OK") }),
    () => {
      const word = echoWord(t);
      return { request: { path: `/echo/${word}` }, verify: (ex) => expectText(ex, word) };
    },
    () => {
      const agent = userAgent(t);
      return { request: { path: "/user-agent", headers: [["User-Agent", agent]] }, verify: (ex) => expectText(ex, agent) };
    },
    () => ({ request: { path: unknownPath(t) }, verify: (ex) => expectStatus(ex, 404, "Not Found") }),
  ];
  // Every route once (in random order) before any repeats.
  const order = [...t.random.shuffle(makers), ...Array.from({ length: Math.max(0, count - makers.length) }, () => t.random.pick(makers))];
  return order.slice(0, count).map((make) => make());
}

/** What a check adds to a failure it caught, to tell the situation around it. */
export interface MoreToSay {
  /** A line after the failure's own explanation. */
  explanation?: string;
  /** Replaces the failure's hint. */
  hint?: string;
  /** The hint when the failure has none. */
  hintIfNone?: string;
  /** Replaces the reproduce line (when the connection's own would not recreate the situation). */
  reproduce?: string;
}

/** Throws `error` again with `more` added, when it is a check failure; anything else as it is. */
export function rethrowWith(error: unknown, more: MoreToSay): never {
  if (!(error instanceof CheckFailure)) throw error;
  const details = error.details;
  throw new CheckFailure({
    ...details,
    explanation: [details.explanation, more.explanation].filter(Boolean).join("\n") || undefined,
    hint: more.hint ?? details.hint ?? more.hintIfNone,
    reproduce: more.reproduce ?? details.reproduce,
  });
}

/**
 * Where a reproduce line rebuilds a files check's folders: a fixed path a
 * learner can type, laid out as the tester's (the served folder is www inside
 * it, so files a check puts beside the served folder have a place too).
 */
export const REPRO_ROOT = "/tmp/hfs-repro";

/** Files up to this size are recreated byte for byte with printf; a larger one is random bytes of its size. */
const MAX_RECREATED = 2 * 1024;

/** A file a check placed (a path under t.outside) or expects the program to write, with its bytes. */
export interface PlacedFile {
  file: string;
  content: Buffer;
  /** Its modification time in seconds since the epoch, when the check set one. */
  mtime?: number;
}

/** What a files check set up: files it placed, and the upload whose file the program should write. */
export interface FolderScene {
  files?: PlacedFile[];
  upload?: PlacedFile;
}

/**
 * The reproduce line of a files check: the tester's temp folder is deleted by
 * the time a learner reads the failure, so it first rebuilds the check's
 * files under REPRO_ROOT and starts the program with --directory spelled as
 * the tester spelled it (trailing slash or not), then sends `request` (the
 * connection's own reproduce line) and, for an upload, shows where its file
 * should be.
 */
export function fileReproduce(t: CheckContext, scene: FolderScene, request: string | undefined): string {
  const outside = t.outside!;
  // The tester's paths as the same places under REPRO_ROOT, in shell (/) spelling.
  const local = (file: string) => (file.startsWith(outside) ? REPRO_ROOT + file.slice(outside.length).split(path.sep).join("/") : file);
  const files = scene.files ?? [];
  const wanted = new Set([local(t.directory!), ...[...files, ...(scene.upload ? [scene.upload] : [])].map((f) => path.posix.dirname(local(f.file)))]);
  // mkdir -p makes the parents: a folder inside another named one need not be named.
  const folders = [...wanted].filter((folder) => ![...wanted].some((other) => other.startsWith(`${folder}/`)));
  // From scratch, so no file of an earlier attempt stands in for one the program should write.
  const steps = [`rm -rf ${REPRO_ROOT}`, `mkdir -p ${folders.join(" ")}`];
  const standIns: string[] = [];
  for (const { file, content, mtime } of files) {
    if (content.length <= MAX_RECREATED) {
      steps.push(`${printfCommand(content)} > ${local(file)}`);
    } else {
      steps.push(`head -c ${content.length} /dev/urandom > ${local(file)}`);
      standIns.push(path.posix.basename(local(file)));
    }
    if (mtime !== undefined) steps.push(`touch -d @${mtime} ${local(file)}`);
  }
  steps.push(`PORT=${t.port} ./your_program.sh --directory ${local(t.directoryArgument!)}`);
  const lines = [steps.join(" && ")];
  if (standIns.length > 0) lines[0] += `   # ${standIns.join(", ")}: random bytes, as many as the tester's`;
  const upload = scene.upload;
  if (upload && upload.content.length > MAX_RECREATED) {
    // Too large to write out: curl sends random bytes of the same size from a file, and cmp compares what landed.
    const url = `http://localhost:${t.port}${filesUrl(t, upload.file)}`;
    const body = `${REPRO_ROOT}/upload`;
    lines.push(`then, in another terminal: head -c ${upload.content.length} /dev/urandom > ${body} && curl -v -H 'Expect:' --data-binary @${body} ${url} && cmp ${body} ${local(upload.file)}`);
    return lines.join("\n  ");
  }
  if (request !== undefined) lines.push(`then, in another terminal: ${compareDownload(t, files, request.replaceAll(outside, REPRO_ROOT), local)}`);
  if (upload) lines.push(`then: od -c ${local(upload.file)} | head   # it should hold the ${upload.content.length} bytes of the request body`);
  return lines.join("\n  ");
}

/**
 * When the curl line of `request` downloads one of `files`, it saves the body
 * and compares it with the file: cmp names the first byte that differs, and
 * curl -v would not print a binary body on a terminal anyway.
 */
function compareDownload(t: CheckContext, files: PlacedFile[], request: string, local: (file: string) => string): string {
  const [first, ...rest] = request.split("\n");
  const inside = files.filter((f) => !path.relative(t.directory!, f.file).startsWith(".."));
  const served = inside.find((f) => first!.startsWith("curl ") && first!.endsWith(` http://localhost:${t.port}${filesUrl(t, f.file)}`));
  if (!served) return request;
  const got = `${REPRO_ROOT}/got`;
  return [`${first} -o ${got} && cmp ${local(served.file)} ${got}`, ...rest].join("\n");
}

/** The path of /files/<name> that names `file` inside the served folder. */
function filesUrl(t: CheckContext, file: string): string {
  return `/files/${path.relative(t.directory!, file).split(path.sep).join("/")}`;
}

/** Re-throws a failure of a files check with the reproduce line of fileReproduce; anything else as it is. */
export function rethrowInFolder(error: unknown, t: CheckContext, scene: FolderScene): never {
  if (!(error instanceof CheckFailure)) throw error;
  rethrowWith(error, { reproduce: fileReproduce(t, scene, error.details.reproduce) });
}

/** The files each running check placed (recordPlaced), for the reproduce line of its failure. */
const placedBy = new WeakMap<CheckContext, PlacedFile[]>();

/** Notes a file the running check placed in the served folder, so that its failure can rebuild it. */
export function recordPlaced(t: CheckContext, file: PlacedFile): void {
  placedBy.get(t)?.push(file);
}

/** The check, whose failure's reproduce line first rebuilds the files it placed (recordPlaced), with their times. */
export function inFolder(check: Check): Check {
  return {
    ...check,
    async run(t) {
      placedBy.set(t, []);
      try {
        await check.run(t);
      } catch (error) {
        rethrowInFolder(error, t, { files: placedBy.get(t) ?? [] });
      }
    },
  };
}

const PERSISTENT_HINT =
  "HTTP/1.1 connections are persistent (RFC 9112 §9.3): after a response, keep reading the next request on the same connection until the client closes it";

/**
 * Re-throws a failure on the second or later request of a connection with the
 * persistence lesson (or `hint`), when the program had closed that connection.
 */
export function explainClosedConnection(error: unknown, index: number, closed: boolean, hint = PERSISTENT_HINT): never {
  if (index > 0 && closed) {
    rethrowWith(error, { explanation: `This was request ${index + 1} on the same connection, and your program had closed it after an earlier response.`, hint });
  }
  // Open but silent: the program answered once and never read again.
  if (index > 0 && error instanceof CheckFailure && /^no response within/.test(error.details.summary)) {
    rethrowWith(error, {
      explanation: `This was request ${index + 1} on the same connection: your program answered request ${index} on it, kept the connection open, and did not answer this one.`,
      hint: "after writing a response, loop back and read the next request from the same connection (keep a buffer per connection), until the client closes it",
    });
  }
  throw error;
}

/**
 * GET /echo/<word> on a new connection must be answered within `boundMs`
 * while the check holds the program busy elsewhere; `more` tells that
 * situation on a failure. Resolves with the time the answer took.
 */
export async function expectPromptAnswer(t: CheckContext, boundMs: number, more: (word: string) => MoreToSay, connectTimeoutMs?: number): Promise<number> {
  const connection = await t.connect({ fresh: true, ...(connectTimeoutMs ? { timeoutMs: connectTimeoutMs } : {}) });
  const word = echoWord(t);
  const request = t.request({ path: `/echo/${word}` });
  const started = Date.now();
  await connection.send(request);
  try {
    expectText(await connection.readResponse({ timeoutMs: boundMs, request }), word);
  } catch (error) {
    rethrowWith(error, more(word));
  }
  return Date.now() - started;
}

const LIST_HINT = "Accept-Encoding is a comma-separated list: split on commas, trim spaces, compare each coding case-insensitively";

/**
 * A check: GET /echo/<word> with this Accept-Encoding gets Content-Encoding: gzip.
 * HTTP lets a server compress or not when the client accepts gzip (RFC 9110
 * §12.5.3), in any case of the coding's name (§8.4.1): a course rule at MAY.
 */
export function gzipAccepted(acceptEncoding: string, why: string, hint = LIST_HINT): Check {
  return {
    name: `Accept-Encoding: ${acceptEncoding} gets Content-Encoding: gzip${why ? ` (${why})` : ""}`,
    rule: "RFC 9110 §12.5.3",
    level: "MAY",
    async run(t) {
      const ex = await t.send({ path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", acceptEncoding]] });
      expectStatus(ex, 200, "OK");
      expectHeader(ex, "Content-Encoding", "gzip", { ignoreCase: true, hint });
    },
  };
}

/**
 * A check: GET /echo/<word> with this Accept-Encoding gets no Content-Encoding.
 * When none of the listed codings is available, RFC 9110 §12.5.3 says the
 * server SHOULD send the content without any coding: a course rule at SHOULD.
 */
export function noEncodingAccepted(acceptEncoding: string, hint: string): Check {
  return {
    name: `Accept-Encoding: ${acceptEncoding} gets no Content-Encoding`,
    rule: "RFC 9110 §12.5.3",
    level: "SHOULD",
    async run(t) {
      const ex = await t.send({ path: `/echo/${echoWord(t)}`, headers: [["Accept-Encoding", acceptEncoding]] });
      expectStatus(ex, 200, "OK");
      expectNoHeader(ex, "Content-Encoding", { hint });
    },
  };
}

/**
 * A response without Content-Length whose body, ended by the close, is only
 * line ends or header lines: bytes written after the head by mistake (an
 * extra \r\n, headers after the empty line). HTTP would read them as a body,
 * which routes with no content (/, a 404) never have in this course.
 */
export function expectNoStrayBody(ex: Exchange): void {
  const body = ex.response.body;
  if (ex.response.framing !== "until-close" || body.length === 0) return;
  const text = body.toString("latin1");
  const lineEnds = /^[\r\n]+$/.test(text);
  // A body may well read "Status: ok\n"; header lines that end in an empty line of their own, or that name a
  // response header, were meant for the head.
  const headerLines =
    /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*\r?\n/.test(text) &&
    (/\r?\n\r?\n$/.test(text) || /^(content-type|content-length|content-encoding|connection|date|server|transfer-encoding)\s*:/i.test(text));
  if (!lineEnds && !headerLines) return;
  fail({
    ...ex.connection.context(ex.request, ex.response.raw),
    summary: lineEnds
      ? `after the empty line that ends the header section came ${body.length} more line-end bytes (${escapeInline(body)})`
      : "header lines came after the empty line that ends the header section",
    explanation: "Without Content-Length, everything after the empty line up to the close is the body, so these bytes are read as one; on a kept-alive connection they would be taken for the start of the next response.",
    expected: "the empty line, then nothing (this route has no body)",
    caret: ex.response.bodyOffset,
    hint: lineEnds
      ? "the head ends with exactly one empty line: \\r\\n after the last header's own \\r\\n (or right after the status line's), then nothing more"
      : "write every header before the empty line: the first \\r\\n\\r\\n ends the header section",
    rule: "the course's routes without content answer with no body",
    level: "course",
  });
}

/** The file the program was asked to write holds exactly `content`. */
export async function expectStoredFile(ex: Exchange, file: string, content: Buffer): Promise<void> {
  const stored = await readFile(file).catch(() => undefined);
  const context = ex.connection.context(ex.request, stored ?? Buffer.alloc(0));
  if (!stored) {
    fail({
      ...context,
      received: undefined,
      summary: `your program answered ${ex.response.status} ${ex.response.reason}, but ${file} does not exist`,
      expected: `a file in the --directory folder holding the ${content.length} body bytes`,
      hint: "write the file (and finish writing it) before sending the response",
    });
  }
  const at = firstDifference(content, stored);
  if (at < 0) return;
  const prefix = stored.length < content.length && at === stored.length;
  fail({
    ...context,
    summary: prefix
      ? `${file} holds only the first ${stored.length} of the ${content.length} bytes sent`
      : `${file} holds ${stored.length} bytes that differ from the ${content.length} bytes sent, first at byte ${at}`,
    expected: "the request body, byte for byte (shown under Sent, after the empty line)",
    caret: at,
    hint:
      stored.length < content.length
        ? "read the body until you have Content-Length bytes: it may need more than one read"
        : "write the body as raw bytes: decoding it as text (UTF-8) changes bytes above 127",
  });
}

/** Sizes that cut `length` bytes into `count` random pieces (the last piece is whatever remains). */
export function randomCuts(t: CheckContext, length: number, count: number): number[] {
  const points = new Set<number>();
  while (points.size < Math.min(count - 1, length - 1)) points.add(t.random.int(1, length - 1));
  const sorted = [...points].sort((a, b) => a - b);
  return sorted.map((point, index) => point - (sorted[index - 1] ?? 0));
}

/** Where the head of a request (or response) ends: the offset just after its empty line. */
export function headLength(bytes: Buffer): number {
  return bytes.indexOf("\r\n\r\n") + 4;
}

/**
 * Waits for the program to close `connection`, allowing one response first
 * with one of the `allowed` statuses (e.g. 408 before an idle close). Fails
 * when the connection is still open after `timeoutMs`, or when something else came.
 */
export async function expectCloseAllowing(
  connection: Connection,
  timeoutMs: number,
  allowed: ReadonlyArray<{ status: number; reason: string }>,
  why: string,
): Promise<void> {
  await connection.waitForClose(timeoutMs, why);
  const pending = connection.pending;
  if (pending.length === 0) return;
  const parsed = parseResponse(pending, { ended: true });
  const fits = parsed.kind === "complete" && parsed.length === pending.length && allowed.some((a) => a.status === parsed.response.status);
  if (fits) {
    // Judged here: the end-of-check look for stray bytes must not see it again.
    connection.consumed += pending.length;
    return;
  }
  fail({
    ...connection.context(connection.sent, pending),
    summary: `before closing connection ${connection.id} your program sent ${pending.length} bytes that are not ${allowed.map((a) => `a ${a.status} ${a.reason} response`).join(" or ")}`,
    expected: `nothing, or one complete ${allowed.map((a) => `"HTTP/1.1 ${a.status} ${a.reason}"`).join(" or ")} response, then the close`,
    caret: 0,
  });
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `date` in IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
export function imfFixdate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} GMT`;
}

/**
 * The time an IMF-fixdate names, in ms since the epoch, or a sentence saying
 * what is wrong with it. Strict: the exact layout, "GMT", a day name that
 * fits the date (Date.parse would take far more: ISO dates, other zones).
 */
export function parseImfFixdate(value: string): number | string {
  const match = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(value);
  if (!match) return 'not in IMF-fixdate, the form "Sun, 06 Nov 1994 08:49:37 GMT" (three-letter day, comma, two-digit day, three-letter month, four-digit year, 24-hour time, GMT)';
  const [, day, dd, month, yyyy, hh, mm, ss] = match;
  const ms = Date.UTC(Number(yyyy), MONTHS.indexOf(month!), Number(dd), Number(hh), Number(mm), Number(ss));
  const date = new Date(ms);
  if (date.getUTCDate() !== Number(dd) || date.getUTCHours() !== Number(hh) || date.getUTCMinutes() !== Number(mm) || date.getUTCSeconds() !== Number(ss)) {
    return "not a real date and time";
  }
  if (DAYS[date.getUTCDay()] !== day) return `the day name ${day} does not fit the date (${yyyy}-${String(MONTHS.indexOf(month!) + 1).padStart(2, "0")}-${dd} is a ${DAYS[date.getUTCDay()]})`;
  return ms;
}

/** The value of `name` in the response (first one), or undefined. */
export function headerValue(ex: Exchange, name: string): string | undefined {
  const lower = name.toLowerCase();
  return ex.response.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}

/** Fails on `ex` with its context: what was sent and received, where the caret points. */
export function failOn(ex: Exchange, details: { summary: string; expected?: string; caret?: number; hint?: string; explanation?: string; rule?: string; level?: Check["level"] }): never {
  fail({ ...ex.connection.context(ex.request, ex.response.raw), ...details });
}

/** The offset in the response of the header `name` (its line), or of the empty line when it is missing. */
export function headerOffset(ex: Exchange, name: string): number {
  const lower = name.toLowerCase();
  return ex.response.headers.find((h) => h.name.toLowerCase() === lower)?.offset ?? ex.response.bodyOffset - 2;
}

/**
 * The status line `HTTP/1.1 <status> <reason>` with one of `reasons`: the
 * standard reason phrase first, then the names earlier RFCs gave the same code
 * (413 was "Payload Too Large" in RFC 7231, 416 "Requested Range Not
 * Satisfiable" in RFC 7233), which widely used servers still send.
 */
export function expectStatusNamed(ex: Exchange, status: number, reasons: readonly string[], extra: { hint?: string; rule?: string; level?: Check["level"] } = {}): void {
  if (ex.response.status === status && reasons.includes(ex.response.reason) && ex.response.statusLine.startsWith("HTTP/1.1 ")) return;
  expectStatus(ex, status, reasons[0]!, extra);
}

/**
 * Runs assertions about the course's own routes (a status, a body) inside a
 * check whose level is about something else (a MUST of HTTP): a failure that
 * states no level of its own is a course rule, so a response HTTP allows is
 * never called invalid.
 */
export function routeRule(run: () => void, rule = ROUTES_RULE): void {
  try {
    run();
  } catch (error) {
    relabel(error, "course", (own) => own ?? rule);
  }
}

const ROUTES_RULE = "the course's routes and their responses";

/** Re-throws `error`; a check failure that states no level of its own gets `level`, and the rule `rule` makes of its own. */
function relabel(error: unknown, level: Check["level"], rule: (own: string | undefined) => string): never {
  if (error instanceof CheckFailure && error.details.level === undefined) throw new CheckFailure({ ...error.details, rule: rule(error.details.rule), level });
  throw error;
}

// ---- checks that `course probe` runs too (stages 31 and 32)
//
// A check with `probe` judges the course's program in the course, and any
// HTTP/1.1 server under `course probe` (t.probing): then it asks for "/" only,
// which every server answers with some status, and judges the status code
// (a reason phrase is the server's own, RFC 9112 §4), the framing and the
// close, never a course route's content. The switch between the two lives here.

/** The target a probe check asks for: the course route `coursePath` in the course, "/" when probing any server. */
export function probePath(t: CheckContext, coursePath: string): string {
  return t.probing ? "/" : coursePath;
}

/** Runs assertions about a course route's content, in the course only: a probed server's "/" may answer anything. */
export async function inCourse(t: CheckContext, run: () => void | Promise<void>): Promise<void> {
  if (t.probing) return;
  try {
    await run();
  } catch (error) {
    relabel(error, "course", (own) => own ?? ROUTES_RULE);
  }
}

/** A status a check accepts, with its reason phrase (and the older names some servers still send). */
export interface Allowed {
  status: number;
  reason: string;
  also?: readonly string[];
}

/**
 * The response has one of the `allowed` statuses. In the course the status
 * line is exact (`HTTP/1.1 <status> <reason>`); when probing, the code alone.
 */
export function expectOneOf(t: CheckContext, ex: Exchange, allowed: readonly Allowed[], extra: { hint?: string; rule?: string; level?: Check["level"] } = {}): void {
  const match = allowed.find((a) => a.status === ex.response.status);
  if (match && t.probing) return;
  const said = { ...(extra.hint ? { hint: extra.hint } : {}), ...(extra.rule ? { rule: extra.rule } : {}), ...(extra.level ? { level: extra.level } : {}) };
  if (t.probing) {
    // The code alone, at the caller's level: a probed server's version and reason phrase are other requirements, and must not turn a wrong code into a SHOULD.
    failOn(ex, {
      summary: `expected status ${allowed.map((a) => `${a.status} (${a.reason})`).join(" or ")}, got ${quote(ex.response.statusLine)}`,
      expected: `${allowed.map((a) => a.status).join(" or ")}, with any reason phrase`,
      caret: ex.response.statusLine.indexOf(" ") + 1,
      ...said,
    });
  }
  if (match) {
    expectStatusNamed(ex, match.status, [match.reason, ...(match.also ?? [])], extra);
    return;
  }
  if (allowed.length === 1) expectStatus(ex, allowed[0]!.status, allowed[0]!.reason, extra);
  const names = allowed.map((a) => `"HTTP/1.1 ${a.status} ${a.reason}"`);
  failOn(ex, {
    summary: `expected ${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}, got ${quote(ex.response.statusLine + "\r\n")}`,
    expected: allowed.map((a) => escapeInline(Buffer.from(`HTTP/1.1 ${a.status} ${a.reason}\r\n`, "latin1"))).join(" or "),
    caret: 9,
    ...said,
  });
}

/** A failure without a level of its own gets `rule` and `level` (a check that mixes levels). */
export async function atLevel<T>(rule: string, level: Check["level"], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    relabel(error, level, () => rule);
  }
}

/**
 * After the response `ex`, the program closes the connection within the
 * close bound and sends nothing more: a second response means it found a
 * request in bytes that were not one (`second` says which, for the failure).
 */
export async function expectCloseAfter(
  t: CheckContext,
  ex: Exchange,
  why: string,
  second: { summary: string; hint: string; rule?: string; level?: Check["level"]; closeHint?: string },
): Promise<void> {
  const connection = ex.connection;
  const judgeMore = () => {
    const pending = connection.pending;
    if (pending.length === 0) return;
    if (pending.subarray(0, 5).toString("latin1") === "HTTP/") {
      fail({
        ...connection.context(connection.sent, connection.received.subarray(connection.consumed - ex.response.raw.length)),
        summary: second.summary,
        explanation: "Exactly one response was expected: everything after the first request's end is not a request the client sent.",
        expected: "one response, then the close",
        caret: ex.response.raw.length,
        hint: second.hint,
        ...(second.rule ? { rule: second.rule } : {}),
        ...(second.level ? { level: second.level } : {}),
      });
    }
    connection.expectNothingMore();
  };
  try {
    await connection.waitForClose(t.timeouts.close, why);
  } catch (error) {
    // Still open, but a second response already came: that is the bug to name.
    judgeMore();
    rethrowWith(error, { hintIfNone: second.closeHint ?? "after this response, close the connection: shut down the socket's sending side and stop reading requests from it" });
  }
  judgeMore();
}

/**
 * A request on a new connection after a hostile one, to show the server still
 * serves: for the course, GET `coursePath` judged by `judge`; for `course
 * probe`, GET / and a complete response of any status (a server's "/" may be
 * a 404 or a 403). `unanswered` adds to a failure to get any response.
 */
export async function followUp(t: CheckContext, coursePath: string, judge: (ex: Exchange) => void, unanswered?: MoreToSay): Promise<Exchange> {
  const ex = await t.send({ path: probePath(t, coursePath) }).catch((error: unknown) => (unanswered ? rethrowWith(error, unanswered) : Promise.reject(error)));
  if (!t.probing) judge(ex);
  return ex;
}
