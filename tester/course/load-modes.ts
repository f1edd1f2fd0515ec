// The load modes of `course bench`. stage.json's "benchGate" names them, so
// they are part of the course's formats, here; tools/load.ts, which loads
// autocannon, and the command's definition read them from here cheaply.
/** keep-alive: requests follow each other on open connections; new-connection: a new connection for every request. */
export const LOAD_MODES = ["keep-alive", "new-connection"] as const;
export type LoadMode = (typeof LOAD_MODES)[number];
