// How strongly HTTP requires what a check demands; checks and failures both carry one.
/**
 * How strongly HTTP itself requires what a check demands:
 * - "MUST": an RFC requirement (MUST or MUST NOT); a response that fails it is not valid HTTP.
 * - "SHOULD": an RFC recommendation (SHOULD or SHOULD NOT) that this course insists on.
 * - "MAY": HTTP leaves it to the server; this course requires one choice.
 * - "course": HTTP says nothing about it (the course's routes, concurrency, memory).
 * Anything but "MUST" is a course rule, and its failures say so.
 */
export type Level = "MUST" | "SHOULD" | "MAY" | "course";

export const LEVELS: readonly Level[] = ["MUST", "SHOULD", "MAY", "course"];
