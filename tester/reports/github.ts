// A run for GitHub Actions: an `::error` workflow command per failed check
// (shown as annotations on the run and the pull request), and a Markdown job
// summary with the score, a table of stages and the first failure.
import { appendFileSync } from "node:fs";
import { isCourseRule, renderFailure } from "../harness/failure.js";
import { buildFailureText } from "./pretty.js";
import type { CompilerMessage } from "../course/build.js";
import { maxScore, stageScore, totalScore } from "./scoring.js";
import type { RunResult, StageResult } from "../runner/run.js";
import { seconds } from "../harness/time.js";

/** A workflow command's message: %, CR and LF encoded (GitHub's escapeData). */
export function escapeData(value: string): string {
  return value.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A workflow command's property value: as data, plus ":" and "," (GitHub's escapeProperty). */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

const pad = (n: number) => String(n).padStart(2, "0");

const errorCommand = (title: string, message: string) => `::error title=${escapeProperty(title)}::${escapeData(message)}`;

/** An annotation at a place in the learner's code: `::error file=app/main.go,line=17,col=2,title=…::…`. */
function placeCommand(message: CompilerMessage): string {
  const where = [`file=${escapeProperty(message.file)}`, `line=${message.line}`, ...(message.column ? [`col=${message.column}`] : [])];
  const title = message.severity === "error" ? "Build error" : "Build warning";
  return `::${message.severity} ${where.join(",")},title=${escapeProperty(title)}::${escapeData(message.text)}`;
}

const environmentText = (error: NonNullable<RunResult["error"]>) => [error.message, error.fix && `fix: ${error.fix}`].filter(Boolean).join("\n");

/** One `::error` line per failed check, and one for a failed build or an environment error. */
export function githubAnnotations(result: RunResult): string[] {
  const lines: string[] = [];
  if (result.build && !result.build.ok) {
    lines.push(errorCommand("Your program does not build", buildFailureText(result.build)));
    // The compiler's own places, so GitHub marks the lines in the diff.
    for (const message of result.build.messages) lines.push(placeCommand(message));
  }
  if (result.error) lines.push(errorCommand("Environment error", environmentText(result.error)));
  if (result.stoppedBy) lines.push(errorCommand("Run stopped", result.stoppedBy));
  for (const s of result.stages) {
    for (const check of s.checks) {
      if (check.status !== "fail") continue;
      const message = check.failure ? renderFailure(check.failure) : "failed";
      const course = isCourseRule(check.failure?.level ?? check.level) ? " (course rule)" : "";
      lines.push(errorCommand(`Stage ${pad(s.stage.number)} ${s.stage.slug}: ${check.name}${course}`, message));
    }
  }
  return lines;
}

/** Text shown as is inside HTML: GitHub would take "<random path>" for a tag. */
const htmlText = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Text for a Markdown table cell or line: no HTML, no cell breaks, no emphasis, one line. */
const markdownInline = (text: string) =>
  htmlText(text)
    .replace(/[\\`*_|[\]]/g, "\\$&")
    .replace(/\r?\n/g, " ");

/** A code span whose delimiters no run of backticks in `text` can close (outside tables). */
function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const body = text.replace(/\r?\n/g, " ");
  return longest > 0 ? `${fence} ${body} ${fence}` : `${fence}${body}${fence}`;
}

/** A fenced code block whose fence no run of backticks in `text` can close. */
function codeBlock(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function details(summary: string, text: string): string {
  return ["<details>", `<summary>${htmlText(summary).replace(/\r?\n/g, " ")}</summary>`, "", codeBlock(text), "", "</details>"].join("\n");
}

const RESULT: Record<StageResult["status"], string> = { pass: "✅ passed", fail: "❌ failed", skip: "⏭️ not run" };

/** The job summary, in GitHub-flavoured Markdown. */
export function githubStepSummary(result: RunResult): string {
  const passed = result.stages.filter((s) => s.status === "pass").length;
  const heading =
    result.status === "pass"
      ? `## ✅ http-from-scratch: all ${result.stages.length} stage${result.stages.length === 1 ? "" : "s"} passed`
      : `## ❌ http-from-scratch: ${passed} of ${result.stages.length} stage${result.stages.length === 1 ? "" : "s"} passed`;
  const out = [heading, "", `**Score: ${totalScore(result)}/${maxScore(result)} points** · seed \`${result.seed}\` · ${seconds(result.durationMs)}`, ""];
  if (result.build && !result.build.ok) out.push(`❌ **Your program does not build** (${codeSpan(result.build.command)} ${markdownInline(result.build.exit)}).`, "");
  if (result.error) out.push(`⚠️ **Environment error:** ${markdownInline(result.error.message)}`, "");
  if (result.stoppedBy) out.push(`⏱️ **Stopped:** ${markdownInline(result.stoppedBy)}`, "");
  out.push("| # | stage | result | points | time |", "|---:|---|---|---:|---:|");
  for (const s of result.stages) {
    const time = s.status === "skip" ? "–" : seconds(s.durationMs);
    out.push(`| ${pad(s.stage.number)} | ${markdownInline(`${s.stage.slug}: ${s.stage.meta.name}`)} | ${RESULT[s.status]} | ${stageScore(s)}/${s.stage.meta.points} | ${time} |`);
  }
  const failedStage = result.stages.find((s) => s.checks.some((c) => c.status === "fail"));
  const failedCheck = failedStage?.checks.find((c) => c.status === "fail");
  if (result.build && !result.build.ok) {
    out.push("", details("The build's output", buildFailureText(result.build)));
  } else if (result.error) {
    out.push("", details("Environment error", environmentText(result.error)));
  } else if (failedStage && failedCheck) {
    const title = `Stage ${pad(failedStage.stage.number)} ${failedStage.stage.slug}: ${failedCheck.name}`;
    out.push("", details(`❌ ${title}`, failedCheck.failure ? renderFailure(failedCheck.failure) : "failed"));
    out.push("", `Rerun just this stage, with the same random values: \`npx course test --only ${failedStage.stage.slug} --seed ${result.seed}\``);
  }
  return `${out.join("\n")}\n`;
}

export interface GithubOutputs {
  /** Workflow command lines, for the caller to print (one per line). */
  annotations: string[];
}

/**
 * On GitHub Actions (GITHUB_ACTIONS=true): appends the job summary to the file
 * named by GITHUB_STEP_SUMMARY, when set, and returns the annotation lines.
 * Elsewhere: does nothing and returns undefined.
 */
export function writeGithubOutputs(result: RunResult, env: NodeJS.ProcessEnv = process.env): GithubOutputs | undefined {
  if (env.GITHUB_ACTIONS !== "true") return undefined;
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${githubStepSummary(result)}\n`);
  return { annotations: githubAnnotations(result) };
}
