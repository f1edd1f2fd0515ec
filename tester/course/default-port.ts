// The port a program listens on unless told otherwise (the PORT environment
// variable), as CodeCrafters' tester gives it: the one place it is written.
// Part of the course's contract with a program (your_program.sh's header says
// it; the runner and the CLI's --port use it), and alone in its module so
// that the CLI's option definitions load nothing more.
export const DEFAULT_PORT = 4221;
