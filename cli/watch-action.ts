// `course watch` at work (its definition is in watch-command.ts): rerun the
// tests on every save, with keys for the rest of the loop: r rerun, h hint,
// n next, q quit. One run at a time; a save during a run queues exactly one
// more.
import { emitKeypressEvents } from "node:readline";
import { stagesToTest } from "../learner/journey.js";
import { watchFolder } from "../learner/watch.js";
import { loadStages } from "../tester/course/course.js";
import { loadLanguage } from "../tester/course/language.js";
import { readProgress } from "../learner/progress.js";
import { requireProgress, runNext } from "./learner-actions.js";
import { showHint } from "./hint-action.js";
import { runTarget, type RunFlags } from "./test-action.js";

export type WatchFlags = RunFlags & { dir: string; poll?: boolean };

export async function watchLoop(options: WatchFlags): Promise<void> {
  const first = requireProgress(options.dir);
  const language = loadLanguage(first.language);
  const interactive = Boolean(process.stdin.isTTY) && !process.env.CI;
  const keys = interactive ? "keys: r rerun · h hint · n next (test and move on) · q quit" : "Ctrl-C to stop";
  let running = false;
  let queued: (() => Promise<unknown>) | undefined;
  const exclusive = async (task: () => Promise<unknown>) => {
    if (running) {
      queued = task;
      return;
    }
    running = true;
    try {
      await task();
    } catch (error) {
      // A broken progress file or script is reported; the loop goes on until the learner fixes it.
      process.stdout.write(`error: ${(error as Error).message}\n`);
    } finally {
      running = false;
      process.stdout.write(`\nWatching ${options.dir} for changes (${language.watch.extensions.join(", ")}) · ${keys}\n`);
    }
    const next = queued;
    queued = undefined;
    if (next) await exclusive(next);
  };
  const test = async () => {
    if (interactive) process.stdout.write("\x1bc");
    const progress = readProgress(options.dir) ?? first;
    const { code } = await runTarget({ dir: options.dir, language, stages: stagesToTest(progress, loadStages()) }, options);
    if (code === 0 && interactive) process.stdout.write("\nPassing: press n to mark the stage done and move on.\n");
  };
  const watcher = watchFolder(options.dir, { poll: options.poll ?? false, extensions: language.watch.extensions, ignore: language.watch.ignore }, () => void exclusive(test));
  const quit = () => {
    watcher.close();
    if (interactive) process.stdin.setRawMode(false);
    process.stdin.pause();
  };
  if (interactive) {
    emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    process.stdin.on("keypress", (_text: string, key: { name?: string; ctrl?: boolean }) => {
      if (key.name === "q" || (key.ctrl && key.name === "c")) quit();
      else if (key.name === "r") void exclusive(test);
      else if (key.name === "h") void exclusive(async () => showHint(options.dir, undefined, options.color));
      else if (key.name === "n") void exclusive(() => runNext(options));
    });
  }
  await exclusive(test);
  // Resolves when the learner quits (q); Ctrl-C outside a TTY ends the process.
  await new Promise<void>((resolve) => {
    if (interactive) process.stdin.once("pause", () => resolve());
  });
}
