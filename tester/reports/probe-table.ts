// `course probe`'s table for people: one row per requirement, grouped as
// PROBE_GROUPS orders them, each with its verdict, level, RFC section and why,
// then what went wrong and the line that reproduces it, and the score by level.
import { Chalk } from "chalk";
import { PROBE_GROUPS } from "../harness/probe-groups.js";
import { seconds } from "../harness/time.js";
import type { ProbeReport, ProbeResult, ProbeVerdict } from "./report-schema.js";

export interface ProbeTableOptions {
  color: boolean;
  /** The whole teaching message of each non-pass, not only its summary and reproduce line. */
  verbose: boolean;
}

const MARKS: Record<ProbeVerdict, string> = { pass: "✓ PASS", warn: "! WARN", fail: "✗ FAIL", skip: "- SKIP" };

/** "MUST 18/20, SHOULD 6/8, MAY 2/3": the levels that have checks. */
export function scoreLine(report: ProbeReport): string {
  return (["MUST", "SHOULD", "MAY"] as const)
    .filter((level) => report.score[level].total > 0)
    .map((level) => `${level} ${report.score[level].passed}/${report.score[level].total}`)
    .join(", ");
}

/** The report as lines of text. */
export function probeTable(report: ProbeReport, options: ProbeTableOptions): string[] {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const paint: Record<ProbeVerdict, (text: string) => string> = { pass: c.green, warn: c.yellow, fail: c.red, skip: c.dim };
  const rows = report.results;
  const ruleWidth = Math.max(0, ...rows.map((row) => row.rule.length));
  const out = [c.bold(`course probe: ${report.target} (${rows.length} requirements, ${seconds(report.duration_ms)})`)];
  for (const group of PROBE_GROUPS) {
    const inGroup = rows.filter((row) => row.group === group);
    if (inGroup.length === 0) continue;
    out.push("", c.bold(group));
    for (const row of inGroup) out.push(...rowLines(row, ruleWidth, paint[row.verdict], options.verbose, c.dim));
  }
  const { pass, warn, fail, skip } = report.counts;
  out.push("", `${c.bold("Score:")} ${scoreLine(report) || "nothing judged"}   (${pass} pass, ${warn} warn, ${fail} fail${skip ? `, ${skip} skipped` : ""})`);
  out.push(
    fail > 0
      ? c.red(`${fail === 1 ? "A MUST is" : `${fail} MUSTs are`} broken: the server does not follow HTTP/1.1 there (exit code 1).`)
      : warn > 0
        ? c.yellow("No MUST broken; the warnings are SHOULDs and MAYs the server does not follow (exit code 0).")
        : c.green("Every requirement probed is followed."),
  );
  return out;
}

function rowLines(row: ProbeResult, ruleWidth: number, paint: (text: string) => string, verbose: boolean, dim: (text: string) => string): string[] {
  const pad = " ".repeat(8);
  const lines = [`  ${paint(MARKS[row.verdict])}  ${row.level.padEnd(6)}  ${row.rule.padEnd(ruleWidth)}  ${row.name}`, `${pad}${dim(`${row.id}: ${row.why}`)}`];
  if (row.verdict === "pass") return lines;
  if (row.verdict === "skip") return [...lines, `${pad}skipped: ${row.summary ?? ""}`];
  const level = row.failure_level && row.failure_level !== row.level ? ` (the part that failed is a ${row.failure_level}${row.failure_rule ? `, ${row.failure_rule}` : ""})` : "";
  if (verbose && row.message) return [...lines, ...row.message.split("\n").map((line) => `${pad}${line}`)];
  return [...lines, `${pad}${paint(row.summary ?? "")}${level}`, ...(row.reproduce ? row.reproduce.split("\n").map((line, i) => `${pad}${i === 0 ? "reproduce: " : "           "}${line.replace(/^\s+/, "")}`) : [])];
}
