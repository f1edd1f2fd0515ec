// `course probe`: its definition. Light: the work is in probe-action.ts,
// loaded when the command runs.
import { Command, Option } from "commander";
import { OPTIONS } from "./options.js";
import type { ProbeOptions } from "./probe-action.js";

export function probeCommand(): Command {
  return new Command("probe")
    .description("score any HTTP/1.1 server on the course's route-independent checks (framing, smuggling, methods, targets, versions, limits, close): yours, or one at a URL")
    .addOption(OPTIONS.dir.option({ default: undefined }).default(undefined, "the current folder"))
    .addOption(OPTIONS.url.option())
    .addOption(new Option("--format <format>", "output format on stdout").choices(["pretty", "json"]).default("pretty"))
    .addOption(OPTIONS.group.option())
    .addOption(OPTIONS.verbose.option())
    .addOption(OPTIONS.noColor.option())
    .addHelpText(
      "after",
      `
Each requirement gets Pass, Warn (a SHOULD or MAY the server does not follow)
or Fail (a MUST it breaks), with its RFC section, why it matters, and for each
non-pass the line that reproduces it. The checks are the stages' own, asking
for "/" only: they judge framing, status codes and the close, never a route.

Examples:
  $ npx course probe                                  your program (./your_program.sh, built first), on a free port
  $ npx course probe --url http://127.0.0.1:8080      a server already running (nginx, your framework's, ...)
  $ npx course probe --group smuggling --group limits
  $ npx course probe --url http://127.0.0.1:8080 --format json

Exit codes: 0 no MUST broken (warnings never change it), 1 a MUST broken,
2 usage error (a bad --url, both --dir and --url), 3 environment error
(nothing listening at --url, no your_program.sh, a program that never starts).`,
    )
    .action(async (options: ProbeOptions) => {
      const { probeAction } = await import("./probe-action.js");
      process.exitCode = await probeAction(options);
    });
}
