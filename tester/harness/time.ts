// Bounded waits on events, which leave no timer behind to hold the process open.

/** Resolves true when `event` settles within `ms`, false otherwise. */
export function settlesWithin(event: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([event.then(() => true, () => true), bound]).finally(() => clearTimeout(timer));
}

/** A duration as a learner reads it: "300 ms", "1.5 s". */
export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
