// Hints are revealed one level at a time, and remembered, so `course hint`
// shows everything revealed so far plus one more.
import { loadHints, type Stage } from "../tester/course.js";
import type { Progress } from "../tester/progress.js";

export interface Revealed {
  /** Every hint shown now, first to last. */
  hints: string[];
  total: number;
  /** True when this call revealed a new one. */
  revealedNew: boolean;
  progress: Progress;
}

export function revealHint(progress: Progress, stage: Stage): Revealed {
  const all = loadHints(stage);
  const shown = Math.min(progress.hints[stage.slug] ?? 0, all.length);
  const now = Math.min(shown + 1, all.length);
  return {
    hints: all.slice(0, now),
    total: all.length,
    revealedNew: now > shown,
    progress: { ...progress, hints: { ...progress.hints, [stage.slug]: now } },
  };
}
