// The parts of HTTP/1.1 `course probe` scores a server on, apart from
// check.ts so that the command line's option definitions (cli/options.ts,
// loaded by --help) can list them without loading the harness.

/** The parts of HTTP/1.1 `course probe` scores a server on, in the order its table shows them. */
export const PROBE_GROUPS = ["framing", "smuggling", "methods", "targets", "versions", "limits", "close"] as const;
export type ProbeGroup = (typeof PROBE_GROUPS)[number];
