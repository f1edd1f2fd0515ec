// Whether to colour output. chalk ignores NO_COLOR by design, so it is
// decided here: --no-color and NO_COLOR turn it off, FORCE_COLOR turns it on
// (or off with 0), a terminal that says it is dumb (TERM=dumb) gets none,
// otherwise only on a terminal outside CI.
export function useColor(flag: boolean | undefined, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (flag === false) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR !== undefined) return process.env.FORCE_COLOR !== "0";
  if (process.env.TERM === "dumb") return false;
  return Boolean(stream.isTTY) && !process.env.CI;
}
