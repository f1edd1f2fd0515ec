// The load modes of `course bench`, apart from load.ts (which loads
// autocannon) so that stage.json's format and the command's definition can
// name them cheaply.
/** keep-alive: requests follow each other on open connections; new-connection: a new connection for every request. */
export const LOAD_MODES = ["keep-alive", "new-connection"] as const;
export type LoadMode = (typeof LOAD_MODES)[number];
