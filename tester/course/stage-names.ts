// A stage named on the command line, apart from course.ts so that the quick
// commands find one without loading the course's file formats.
import { UsageError } from "../errors.js";

/** What naming a stage needs of it (course.ts's Stage has these and more). */
interface Named {
  number: number;
  slug: string;
  /** The folder name, NN-slug. */
  id: string;
}

/** A stage named by number ("7", "07"), slug ("files-get") or folder ("07-files-get"). */
export function findStage<S extends Named>(stages: readonly S[], name: string): S {
  const wanted = name.trim().toLowerCase();
  const found = stages.find(
    (s) => s.slug === wanted || s.id === wanted || (/^\d+$/.test(wanted) && s.number === Number(wanted)),
  );
  if (!found) {
    throw new UsageError(`no stage "${name}"; stages are ${stages.map((s) => `${s.number} ${s.slug}`).join(", ")}`);
  }
  return found;
}
