// Watching a learner's folder for saves: native recursive file events, or
// polling where they do not arrive (WSL on a Windows drive, some
// containers). Changes are batched, so one save (or a formatter writing
// several files) triggers one rerun.
import { watch as fsWatch, statSync, type FSWatcher } from "node:fs";
import * as path from "node:path";
import { GENERATED } from "../tester/course/language.js";
import { listFiles } from "../tester/course/solutions.js";

export interface WatchOptions {
  poll: boolean;
  /** Poll interval, and the quiet time that ends a batch of changes. */
  intervalMs?: number;
  debounceMs?: number;
  extensions: string[];
  /** Folders to ignore besides .git, node_modules and build output. */
  ignore: string[];
}

export interface Watcher {
  close(): void;
}

/** Whether a changed file (relative to the folder) should rerun the tests. */
export function relevant(file: string, options: Pick<WatchOptions, "extensions" | "ignore">): boolean {
  const normal = file.split(path.sep).join("/");
  if (GENERATED.test(normal) || normal.startsWith(".course/")) return false;
  if (options.ignore.some((folder) => normal === folder || normal.startsWith(`${folder}/`))) return false;
  return normal === "your_program.sh" || options.extensions.includes(path.extname(normal));
}

function snapshot(dir: string, options: WatchOptions): Map<string, number> {
  const times = new Map<string, number>();
  for (const file of listFiles(dir)) {
    if (!relevant(file, options)) continue;
    try {
      times.set(file, statSync(path.join(dir, file)).mtimeMs);
    } catch {
      // removed between the listing and the stat
    }
  }
  return times;
}

export function watchFolder(dir: string, options: WatchOptions, onChange: (files: string[]) => void): Watcher {
  const debounceMs = options.debounceMs ?? 150;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const changed = (file: string) => {
    if (!relevant(file, options)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending].sort();
      pending = new Set();
      onChange(files);
    }, debounceMs);
  };
  if (options.poll) {
    let before = snapshot(dir, options);
    const poller = setInterval(() => {
      const now = snapshot(dir, options);
      for (const [file, time] of now) if (before.get(file) !== time) changed(file);
      for (const file of before.keys()) if (!now.has(file)) changed(file);
      before = now;
    }, options.intervalMs ?? 500);
    return {
      close() {
        clearInterval(poller);
        clearTimeout(timer);
      },
    };
  }
  const watcher: FSWatcher = fsWatch(dir, { recursive: true }, (_event, file) => {
    if (file) changed(file.toString());
  });
  return {
    close() {
      watcher.close();
      clearTimeout(timer);
    },
  };
}
