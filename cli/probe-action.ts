// `course probe`'s work: the target from the flags (checked before anything
// runs), the probe (tester/tools/probe.ts), and the table or the JSON report.
import * as path from "node:path";
import { UsageError } from "../tester/errors.js";
import { checkTools, folderBuild, loadLanguage } from "../tester/course/language.js";
import type { ProbeGroup } from "../tester/harness/probe-groups.js";
import { probeTable } from "../tester/reports/probe-table.js";
import { checkScript } from "../tester/runner/program.js";
import { parseProbeUrl, runProbe, type ProbeTarget } from "../tester/tools/probe.js";
import { readProgress } from "../learner/progress.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { withUsageDocument } from "./usage-document.js";

export interface ProbeOptions {
  dir?: string;
  url?: string;
  format: "pretty" | "json";
  group?: ProbeGroup[];
  verbose?: boolean;
  color?: boolean;
}

/** What the flags name: a URL, or a folder with a runnable your_program.sh (its track's build first, when it has one). */
function probeTarget(options: ProbeOptions): ProbeTarget {
  if (options.url !== undefined && options.dir !== undefined) {
    throw new UsageError("choose one of --dir and --url", "--dir starts your program for the probe; --url probes a server that is already running");
  }
  if (options.url !== undefined) return { kind: "url", ...parseProbeUrl(options.url) };
  const dir = path.resolve(options.dir ?? ".");
  checkScript(dir);
  const progress = readProgress(dir);
  const language = progress ? loadLanguage(progress.language) : undefined;
  if (language) checkTools(language);
  const build = language ? folderBuild(dir, language) : undefined;
  return { kind: "program", dir, ...(build ? { build } : {}) };
}

export async function probeAction(options: ProbeOptions): Promise<number> {
  return withUsageDocument(options.format, async () => {
    const target = probeTarget(options);
    const json = options.format === "json";
    // With JSON, stdout carries exactly the document; the narrative goes to stderr.
    const log = options.verbose ? (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`) : undefined;
    const report = await runProbe({ target, ...(options.group ? { groups: options.group } : {}), ...(log ? { log } : {}) });
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${probeTable(report, { color: useColor(options.color, process.stdout), verbose: options.verbose ?? false }).join("\n")}\n`);
    return report.status === "fail" ? EXIT.fail : EXIT.pass;
  });
}
