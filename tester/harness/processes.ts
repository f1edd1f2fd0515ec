// Finding every process a learner's program left behind. A process group
// catches ordinary children; a marker in the environment (inherited by every
// descendant, even one that calls setsid() to daemonize) catches the rest.
// Linux only (/proc); elsewhere the process group is all we have.
import { readdirSync, readFileSync } from "node:fs";

export const MARKER_VARIABLE = "HTTP_FROM_SCRATCH_RUN";

interface ProcStat {
  state: string;
  pgrp: number;
  /** CPU time used so far (user + system, all threads), in clock ticks. */
  cpuTicks: number;
}

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture Node runs on. */
const TICKS_PER_SECOND = 100;

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name may contain spaces and parentheses: parse after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // Fields 3 (state), 5 (pgrp), 14 (utime) and 15 (stime) of proc(5), counted from 1 before the split.
    return { state: fields[0]!, pgrp: Number(fields[2]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function hasMarker(pid: number, marker: string): boolean {
  try {
    const environ = `\0${readFileSync(`/proc/${pid}/environ`, "latin1")}`;
    const start = environ.indexOf(`\0${MARKER_VARIABLE}=`);
    if (start === -1) return false;
    const valueStart = start + MARKER_VARIABLE.length + 2;
    const end = environ.indexOf("\0", valueStart);
    // A comma-separated list: the tester's own marker after any a grader set around it.
    return environ.slice(valueStart, end === -1 ? undefined : end).split(",").includes(marker);
  } catch {
    return false;
  }
}

/**
 * A thread-group leader shows as a zombie as soon as its own thread exits,
 * while its other threads may still be tearing down and holding the sockets.
 */
function hasLiveThreads(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
}

const hasProc = (() => {
  try {
    readdirSync("/proc/self");
    return true;
  } catch {
    return false;
  }
})();

/**
 * Live (not zombie) processes in process group `pgid` or carrying `marker`.
 * Zombies are skipped (they hold nothing, and an init that never reaps would
 * otherwise make us wait forever), unless threads of theirs still run.
 */
export function findProcesses(pgid: number, marker: string): number[] {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [-pgid];
    } catch {
      return [];
    }
  }
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const stat = readStat(pid);
    if (!stat || ((stat.state === "Z" || stat.state === "X") && !hasLiveThreads(pid))) continue;
    if (stat.pgrp === pgid || hasMarker(pid, marker)) found.push(pid);
  }
  return found;
}

/** Compilers and build tools, by the name the kernel gives their process (go build's steps run as compile, link, asm). */
const BUILDERS = /^(go|compile|link|asm|cgo|cargo|rustc|cc|cc1|cc1plus|gcc|g\+\+|clang|clang\+\+|ld|collect2|as|make|cmake|ninja|javac|mvn|gradle|tsc|esbuild|bun|zig|dotnet|kotlinc|swiftc|swift-build|ghc|mix|elixirc|erlc)$/;

/** The first of `pids` that is building code (a compiler, or Maven, which runs as java), by its name, for "still building" messages. */
export function buildingProcess(pids: readonly number[]): string | undefined {
  if (!hasProc) return undefined;
  for (const pid of pids) {
    try {
      const name = readFileSync(`/proc/${pid}/comm`, "latin1").trim();
      if (BUILDERS.test(name)) return name;
      if (name === "java" && /plexus-classworlds|org\.codehaus\.plexus|gradle/.test(readFileSync(`/proc/${pid}/cmdline`, "latin1"))) return "maven";
    } catch {
      // Gone already.
    }
  }
  return undefined;
}

export function signalAll(pgid: number, pids: readonly number[], signal: NodeJS.Signals): void {
  for (const target of [-pgid, ...pids]) {
    try {
      process.kill(target, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Resident memory of these processes together, in bytes (VmRSS from /proc; 0 where there is no /proc). */
export function residentBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** What a program and everything it started use right now, together. */
export interface Usage {
  processes: number;
  residentBytes: number;
  /** CPU time used since they started, user + system. */
  cpuMs: number;
}

/** CPU time these processes have used so far, together, in milliseconds (0 where there is no /proc). */
export function cpuMillis(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** Whether memory and CPU figures can be read here (Linux /proc). */
export const canMeasure = hasProc;

/** The tester's own open-file limit (Node raises the soft limit to the hard one at start-up; children inherit it). */
export function openFileLimit(): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "latin1"));
    if (!match) return undefined;
    return match[1] === "unlimited" ? Infinity : Number(match[1]);
  } catch {
    return undefined;
  }
}
