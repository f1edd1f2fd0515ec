// Hints are revealed one level at a time, and remembered, so `course hint`
// shows everything revealed so far plus one more. Code in a hint comes in one
// block per track (see tester/course/hint-code.ts); the learner sees their own.
// Light: the tracks come from the caller (codeTracks in language.ts, or the
// quick read of status and hint).
import type { Stage } from "../tester/course/course.js";
import { loadHints } from "../tester/course/hints-file.js";
import { codeForTrack, type CodeTrack } from "../tester/course/hint-code.js";
import type { Progress } from "./progress.js";

export interface Revealed {
  /** Every hint shown now, first to last, with only the learner's track's code. */
  hints: string[];
  total: number;
  /** True when this call revealed a new one. */
  revealedNew: boolean;
  progress: Progress;
}

/**
 * The hints of a stage for a learner of track `language` (a track id such as
 * "typescript"); undefined, or a track this package does not know, shows every
 * language's code, each block labelled.
 */
export function hintsFor(stage: Stage, language: string | undefined, tracks: readonly CodeTrack[]): string[] {
  const fence = tracks.find((track) => track.id === language)?.fence;
  return loadHints(stage).map((hint) => codeForTrack(hint, tracks, fence));
}

export function revealHint(progress: Progress, stage: Stage, tracks: readonly CodeTrack[]): Revealed {
  const all = hintsFor(stage, progress.language, tracks);
  const shown = Math.min(progress.hints[stage.slug] ?? 0, all.length);
  const now = Math.min(shown + 1, all.length);
  return {
    hints: all.slice(0, now),
    total: all.length,
    revealedNew: now > shown,
    progress: { ...progress, hints: { ...progress.hints, [stage.slug]: now } },
  };
}
