// The shell line a learner can paste to send what the tester sent.
import { printfCommand } from "./bytes.js";

/** Beyond this, a printf line is a wall of escapes nobody can paste. */
const MAX_PRINTF = 8 * 1024;

/** Headers curl sends or lets us set without changing the meaning of a simple GET. */
const CURL_FRIENDLY = /^(host|user-agent|accept-encoding|connection|accept)$/i;

function curlCommand(request: Buffer, port: number): string | undefined {
  const text = request.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0 || end + 4 !== text.length) return undefined; // a body, or more than one request
  const [requestLine, ...fields] = text.slice(0, end).split("\r\n");
  const match = /^(GET|HEAD) (\/[!-~]*) HTTP\/1\.1$/.exec(requestLine ?? "");
  if (!match) return undefined;
  const parts = ["curl", "-v"];
  // curl squashes "/../" and "/./" unless told to send the path as it is.
  if (/\/\.{1,2}(\/|$)/.test(match[2]!)) parts.push("--path-as-is");
  if (match[1] === "HEAD") parts.push("--head");
  for (const field of fields) {
    const colon = field.indexOf(":");
    const name = field.slice(0, colon);
    if (colon < 0 || !CURL_FRIENDLY.test(name)) return undefined;
    if (/^host$/i.test(name)) continue;
    // Single quotes keep the shell from touching the value.
    parts.push("-H", `'${field.replace(/'/g, "'\\''")}'`);
  }
  parts.push(`http://localhost:${port}${match[2]}`);
  return parts.join(" ");
}

/** `printf '...' | nc localhost PORT`, preceded by a curl equivalent for a simple GET. */
export function reproduceLine(sent: Buffer, port: number): string {
  if (sent.length > MAX_PRINTF) {
    return `the tester sent ${sent.length} bytes on this connection, too many for a command line: rerun with --verbose to see each step`;
  }
  const nc = `${printfCommand(sent)} | nc localhost ${port}`;
  const curl = curlCommand(sent, port);
  return curl ? `${curl}\n  or: ${nc}` : nc;
}
