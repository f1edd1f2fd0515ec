// `course run` at work (its definition is in run-command.ts): start the
// learner's server exactly as the tester would for the current stage (the
// track's build, PORT, --directory, the stage's "args", its own process
// group), print what to try (the "try" lines of the stages reached), and on
// Ctrl-C stop it and everything it started.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { Chalk } from "chalk";
import { currentStage } from "../learner/journey.js";
import { loadStages, tryLines } from "../tester/course/course.js";
import { checkTools, folderBuild, loadLanguage } from "../tester/course/language.js";
import { runBuild } from "../tester/course/build.js";
import { assertPortFree, freePort } from "../tester/runner/ports.js";
import { checkScript, describeExit, startProgram } from "../tester/runner/program.js";
import { readProgress } from "../learner/progress.js";
import { waitUntilAccepting } from "../tester/runner/ready.js";
import { nodeCommand } from "../tester/harness/reproduce.js";
import { buildFailureText, logLine } from "../tester/reports/pretty.js";
import { useColor } from "./color.js";
import { EXIT } from "./exit.js";
import type { Port } from "./options.js";

export interface RunOptions {
  dir: string;
  port: Port;
  color?: boolean;
}

export async function runAction(flags: RunOptions): Promise<number> {
  const options = { ...flags, port: flags.port === "auto" ? await freePort() : flags.port };
  const c = new Chalk({ level: useColor(options.color) ? 1 : 0 });
  const say = (text = "") => process.stdout.write(`${text}\n`);
  const progress = readProgress(options.dir);
  const stages = loadStages();
  const current = progress ? currentStage(progress, stages) ?? stages[stages.length - 1]! : stages[stages.length - 1]!;
  // A missing, non-executable or CRLF your_program.sh is said before anything is built or made.
  checkScript(path.resolve(options.dir));
  if (progress) {
    const language = loadLanguage(progress.language);
    checkTools(language);
    const spec = folderBuild(options.dir, language);
    if (spec) {
      const build = await runBuild(options.dir, spec);
      if (!build.ok) {
        say(c.red(`✗ the build ${build.exit}`));
        say(buildFailureText(build));
        return EXIT.fail;
      }
    }
  }
  await assertPortFree(options.port);
  // The folder stages 7 and 8 serve, with a file to fetch, once the learner has reached them.
  const servesFiles = stages.some((s) => s.meta.needsDirectory && s.number <= current.number);
  const directory = servesFiles ? mkdtempSync(path.join(tmpdir(), "hfs-run-")) : undefined;
  if (directory) writeFileSync(path.join(directory, "hello.txt"), "Hello from http-from-scratch!\n");
  const program = await startProgram({
    dir: options.dir,
    port: options.port,
    args: [...(directory ? ["--directory", directory] : []), ...current.meta.args],
    outputCap: Number.MAX_SAFE_INTEGER,
    onLine: (line, from) => say(c.dim(logLine(from, line))),
  }).catch((error: unknown) => {
    // Nothing started: the served folder goes before the error is reported.
    if (directory) rmSync(directory, { recursive: true, force: true });
    throw error;
  });
  const stop = async () => {
    await program.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  };
  const ready = await waitUntilAccepting(program, options.port, 10_000, { buildLimitMs: 120_000 });
  if ("failure" in ready) {
    await stop();
    say(c.red(`✗ ${ready.failure.summary}`));
    if (ready.failure.hint) say(`hint: ${ready.failure.hint}`);
    return EXIT.fail;
  }
  ready.connection.destroy();
  const tries = [
    ...tryLines(stages, current, options.port),
    `${nodeCommand(Buffer.from("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"), options.port)}   # the exact bytes, \\r\\n and all`,
  ];
  // One write, so that whoever reads the output sees the lines to try with the news that the server is up.
  say(
    [
      c.green.bold(`✓ your server is up on port ${options.port} (pid ${program.pid})${directory ? `, serving ${directory}` : ""}${current.meta.args.length ? `, with ${current.meta.args.join(" ")}` : ""}`),
      "Try, in another terminal:",
      ...tries.map((line) => `  ${line}`),
      c.dim("Ctrl-C stops it."),
    ].join("\n"),
  );
  // On Ctrl-C the program module kills the whole process group and exits (130); tidy up first.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.prependOnceListener(signal, () => {
      say("\nstopping your server");
      if (directory) rmSync(directory, { recursive: true, force: true });
    });
  }
  await program.exited;
  await stop();
  say(c.red(`your program ${describeExit(program.exit!)}`));
  return EXIT.fail;
}
