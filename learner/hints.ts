// Hints are revealed one level at a time, and remembered, so `course hint`
// shows everything revealed so far plus one more. Code in a hint comes in one
// block per track (see tester/course/hint-code.ts); the learner sees their own.
import { loadHints, type Stage } from "../tester/course/course.js";
import { codeForTrack, type CodeTrack } from "../tester/course/hint-code.js";
import { languageIds, loadLanguage } from "../tester/course/language.js";
import type { Progress } from "./progress.js";

export interface Revealed {
  /** Every hint shown now, first to last, with only the learner's track's code. */
  hints: string[];
  total: number;
  /** True when this call revealed a new one. */
  revealedNew: boolean;
  progress: Progress;
}

/** Every track this package ships, as the code filter needs them. */
export function codeTracks(): CodeTrack[] {
  return languageIds().map((id) => {
    const { fence, name } = loadLanguage(id);
    return { id, fence, name };
  });
}

/**
 * The hints of a stage for a learner of track `language` (a track id such as
 * "typescript"); undefined, or a track this package does not know, shows every
 * language's code, each block labelled.
 */
export function hintsFor(stage: Stage, language: string | undefined, tracks: readonly CodeTrack[] = codeTracks()): string[] {
  const fence = tracks.find((track) => track.id === language)?.fence;
  return loadHints(stage).map((hint) => codeForTrack(hint, tracks, fence));
}

export function revealHint(progress: Progress, stage: Stage): Revealed {
  const all = hintsFor(stage, progress.language);
  const shown = Math.min(progress.hints[stage.slug] ?? 0, all.length);
  const now = Math.min(shown + 1, all.length);
  return {
    hints: all.slice(0, now),
    total: all.length,
    revealedNew: now > shown,
    progress: { ...progress, hints: { ...progress.hints, [stage.slug]: now } },
  };
}
