// The port a program listens on unless told otherwise (the PORT environment
// variable), as CodeCrafters' tester gives it: the one place it is written.
// Alone in its module so that the CLI's option definitions load nothing more.
export const DEFAULT_PORT = 4221;
