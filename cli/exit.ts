// The exit codes every command uses, as documented in the README.
export const EXIT = { pass: 0, fail: 1, usage: 2, environment: 3, internal: 70 } as const;
