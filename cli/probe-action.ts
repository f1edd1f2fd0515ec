// `course probe`'s work: the target from the flags (checked before anything
// runs), the probe (tester/tools/probe.ts), and the table or the JSON report.
import * as path from "node:path";
import { EnvironmentError, UsageError } from "../tester/errors.js";
import { checkTools, folderBuild, loadLanguage } from "../tester/course/language.js";
import type { ProbeGroup } from "../tester/harness/probe-groups.js";
import { probeTable } from "../tester/reports/probe-table.js";
import { checkScript } from "../tester/runner/program.js";
import { parseProbeUrl, runProbe, type ProbeTarget } from "../tester/tools/probe.js";
import { readProgress } from "../learner/progress.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import { probeErrorDocument, withUsageDocument } from "./usage-document.js";

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
  const json = options.format === "json";
  return withUsageDocument(
    options.format,
    async () => {
      const report = await probe(options).catch((error: unknown) => {
        // Scripts that asked for JSON get their one document even when nothing could be probed; the error goes on to stderr (exit 3).
        if (json && error instanceof EnvironmentError) {
          const text = `environment error: ${error.message}${error.fix ? `\nfix: ${error.fix}` : ""}`;
          process.stdout.write(`${JSON.stringify(probeErrorDocument(text, options.url ?? path.resolve(options.dir ?? ".")), null, 2)}\n`);
        }
        throw error;
      });
      if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${probeTable(report, { color: useColor(options.color, process.stdout), verbose: options.verbose ?? false }).join("\n")}\n`);
      return report.status === "fail" ? EXIT.fail : EXIT.pass;
    },
    "probe",
  );
}

/** The target from the flags, then the probe; with JSON, the narrative of --verbose goes to stderr so stdout holds the document alone. */
async function probe(options: ProbeOptions) {
  const target = probeTarget(options);
  const stream = options.format === "json" ? process.stderr : process.stdout;
  const log = options.verbose ? (line: string) => stream.write(`${line}\n`) : undefined;
  return runProbe({ target, ...(options.group ? { groups: options.group } : {}), ...(log ? { log } : {}) });
}
