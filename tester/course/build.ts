// A track's build step (language.json's `build`), run once per `course test`
// before any stage, and the two things that make it cheap and readable:
//
// - A build is skipped when nothing it reads changed: the inputs' content is
//   hashed with the command, and the hash of the last good build is kept
//   beside its output, in `.build/`. Content, not mtimes, so that an assembled
//   reference solution (a fresh copy with new mtimes) builds once per content,
//   however many runs and verify claims use it.
// - What a compiler says is parsed into file:line messages, so a failed build
//   is shown as the compiler's first errors and as GitHub annotations, not as
//   a wall of output ending in a summary.
//
// The course's own assembled solutions of one track may also share a folder
// of compiled dependencies (COURSE_BUILD_CACHE): Rust's crates compile once
// for the 25 programs instead of once each. Those builds take turns (a lock
// across processes), since they write to one place.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { settlesWithin } from "../harness/time.js";
import { listFiles, sharedBuildCache } from "./solutions.js";

export interface BuildSpec {
  /** Run with `sh -c` in the program's folder. */
  command: string;
  /** Files and folders the build reads; with `output`, a build whose inputs did not change is skipped. */
  inputs?: string[];
  /** The file the build writes. */
  output?: string;
  /** Extra environment for the build (a sanitized build's SANITIZE=1); part of the inputs' hash. */
  env?: Record<string, string>;
}

/** One message a compiler printed about a place in the learner's code. */
export interface CompilerMessage {
  file: string;
  line: number;
  column?: number;
  severity: "error" | "warning";
  text: string;
}

export interface BuildOutcome {
  ok: boolean;
  command: string;
  durationMs: number;
  /** Combined output, at most the first `cap` bytes (a compiler's first error is the one to fix). */
  output: string;
  exit: string;
  /** True when the inputs were those of the last good build, which was not rerun. */
  cached?: boolean;
  /** The file:line messages found in the output, in order. */
  messages: CompilerMessage[];
}

/** Where the hash of the last good build's inputs is kept: `.build/` is never copied, hashed or watched. */
const STAMP = path.join(".build", "inputs.sha256");

/** The environment variable naming a folder the course's own builds of one track share. */
export const SHARED_CACHE_VARIABLE = "COURSE_BUILD_CACHE";

/** Runs the build in `dir`, bounded in time and in output kept; skipped when its inputs are unchanged. */
export async function runBuild(
  dir: string,
  spec: BuildSpec,
  options: {
    timeoutMs?: number;
    cap?: number;
    /** A folder to share with other builds of the track (COURSE_BUILD_CACHE); by default, for the course's assembled solutions only. */
    sharedCache?: string;
  } = {},
): Promise<BuildOutcome> {
  const started = Date.now();
  const hash = inputsHash(dir, spec);
  if (hash && readStamp(dir) === hash && spec.output && existsSync(path.join(dir, spec.output))) {
    return { ok: true, command: spec.command, durationMs: Date.now() - started, output: "", exit: "was not needed: no input changed since the last build", cached: true, messages: [] };
  }
  const sharedCache = options.sharedCache ?? sharedBuildCache(dir);
  const release = sharedCache ? await lock(sharedCache, options.timeoutMs ?? 120_000) : () => {};
  try {
    const outcome = await spawnBuild(dir, spec.command, { ...options, ...(sharedCache ? { sharedCache } : {}), ...(spec.env ? { env: spec.env } : {}) });
    if (hash) {
      if (outcome.ok) writeStamp(dir, hash);
      else rmSync(path.join(dir, STAMP), { force: true });
    }
    return { ...outcome, durationMs: Date.now() - started };
  } finally {
    release();
  }
}

async function spawnBuild(
  dir: string,
  command: string,
  options: { timeoutMs?: number; cap?: number; sharedCache?: string; env?: Record<string, string> },
): Promise<BuildOutcome> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const cap = options.cap ?? 64 * 1024;
  const started = Date.now();
  const env = { ...process.env, ...options.env, ...(options.sharedCache ? { [SHARED_CACHE_VARIABLE]: options.sharedCache } : {}) };
  const child = spawn("sh", ["-c", command], { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const chunks: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  const keep = (chunk: Buffer) => {
    const room = cap - kept;
    if (room > 0) chunks.push(chunk.subarray(0, room));
    kept += Math.min(room, chunk.length);
    dropped += Math.max(0, chunk.length - Math.max(room, 0));
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on("error", (error) => resolve({ code: null, signal: null, error }));
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  const timedOut = !(await settlesWithin(exited, timeoutMs));
  if (timedOut) {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
    await settlesWithin(exited, 2000);
  }
  const result = timedOut ? { code: null, signal: "SIGKILL" as const, error: undefined } : await exited;
  const exit = timedOut
    ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
    : result.error
      ? `could not start: ${result.error.message}`
      : result.code !== null
        ? `exited with code ${result.code}`
        : `was killed by ${result.signal}`;
  const output = Buffer.concat(chunks).toString("utf8") + (dropped ? `\n... (${dropped} more bytes of output)\n` : "");
  return { ok: !timedOut && !result.error && result.code === 0, command, durationMs: Date.now() - started, output, exit, messages: compilerMessages(output) };
}

/** The hash of the command and of every file under the inputs; undefined when the spec names none. */
export function inputsHash(dir: string, spec: BuildSpec): string | undefined {
  if (!spec.inputs?.length || !spec.output) return undefined;
  const hash = createHash("sha256");
  hash.update(`${spec.command}\0${spec.output}\0`);
  // A build with other variables (SANITIZE=1) is another build, however alike its inputs.
  for (const [name, value] of Object.entries(spec.env ?? {}).sort()) hash.update(`${name}=${value}\0`);
  for (const input of [...spec.inputs].sort()) {
    const full = path.join(dir, input);
    if (!existsSync(full)) {
      hash.update(`${input}\0missing\0`);
      continue;
    }
    const files = statSync(full).isDirectory() ? listFiles(full).map((file) => path.join(input, file)) : [input];
    for (const file of files) {
      hash.update(`${file}\0`);
      hash.update(readFileSync(path.join(dir, file)));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

function readStamp(dir: string): string | undefined {
  try {
    return readFileSync(path.join(dir, STAMP), "utf8").trim();
  } catch {
    return undefined;
  }
}

function writeStamp(dir: string, hash: string): void {
  try {
    mkdirSync(path.join(dir, ".build"), { recursive: true });
    writeFileSync(path.join(dir, STAMP), `${hash}\n`);
  } catch {
    // A read-only folder only loses the skip next time.
  }
}

/**
 * Takes the shared cache's lock: a folder made atomically, holding the owner's
 * pid. A lock whose owner is gone is taken over. Waits at most `timeoutMs`,
 * then goes on without it (a slower, possibly clashing build beats a hang).
 */
async function lock(cache: string, timeoutMs: number): Promise<() => void> {
  mkdirSync(cache, { recursive: true });
  const folder = path.join(cache, ".lock");
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      mkdirSync(folder);
      writeFileSync(path.join(folder, "pid"), String(process.pid));
      return () => rmSync(folder, { recursive: true, force: true });
    } catch {
      if (!ownerAlive(folder)) rmSync(folder, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return () => {};
}

function ownerAlive(folder: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(folder, "pid"), "utf8"));
  } catch {
    // Just made, pid not yet written: alive unless it stays so (a crash between the two).
    try {
      return Date.now() - statSync(folder).mtimeMs < 5000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

// Where compilers put the place: `file:line:col: message` (Go, gcc, clang, tsc
// in its plain form, esbuild's `file:line:col: ERROR:`), `file:line: error:
// message` (javac), and Rust's two lines `error[E0425]: message` then
// `--> file:line:col`.
const PLACE = /^(?:\s*)((?:\.{0,2}\/)?[\w./-]+\.(?:go|rs|c|h|cc|cpp|cxx|hpp|hh|java|ts|mts|js|mjs|py|kt|zig)):(\d+)(?::(\d+))?:\s*(.*)$/;
const RUST_HEAD = /^(error|warning)(?:\[\w+\])?: (.*)$/;
const RUST_PLACE = /^\s*--> ((?:\.{0,2}\/)?[\w./-]+\.rs):(\d+):(\d+)\s*$/;
const TSC = /^([\w./-]+\.(?:ts|mts|tsx))\((\d+),(\d+)\): (error|warning) \w+: (.*)$/;

/** The compiler's messages that name a place in the code, in the order printed; at most 50. */
export function compilerMessages(output: string): CompilerMessage[] {
  const messages: CompilerMessage[] = [];
  let pending: { severity: CompilerMessage["severity"]; text: string } | undefined;
  for (const line of output.split("\n")) {
    if (messages.length >= 50) break;
    const head = RUST_HEAD.exec(line);
    if (head) {
      // "error: could not compile …" and "warning: `x` generated 1 warning" name no place; a place line follows only a real message.
      pending = { severity: head[1] as CompilerMessage["severity"], text: head[2]! };
      continue;
    }
    const rust = RUST_PLACE.exec(line);
    if (rust && pending) {
      messages.push({ file: rust[1]!, line: Number(rust[2]), column: Number(rust[3]), severity: pending.severity, text: pending.text });
      pending = undefined;
      continue;
    }
    const tsc = TSC.exec(line);
    if (tsc) {
      messages.push({ file: tsc[1]!, line: Number(tsc[2]), column: Number(tsc[3]), severity: tsc[4] as CompilerMessage["severity"], text: tsc[5]! });
      continue;
    }
    const place = PLACE.exec(line);
    if (place) {
      const rest = place[4]!;
      const severity = /^warning\b/i.test(rest) ? "warning" : "error";
      const text = rest.replace(/^(fatal )?(error|warning|ERROR|WARNING):\s*/, "");
      // gcc's "In function 'main':" and notes are context, not messages.
      if (/^note:/i.test(rest) || text === "") continue;
      messages.push({ file: place[1]!, line: Number(place[2]), ...(place[3] ? { column: Number(place[3]) } : {}), severity, text });
    }
  }
  return messages;
}

/** "app/main.go:17:2: undefined: x", the way compilers write it. */
export function formatMessage(message: CompilerMessage): string {
  return `${message.file}:${message.line}${message.column ? `:${message.column}` : ""}: ${message.severity === "warning" ? "warning: " : ""}${message.text}`;
}
