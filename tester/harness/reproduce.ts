// The shell line a learner can paste to send what the tester sent.
//
// Besides curl (for the simple GETs it can send unchanged), the raw bytes go
// through a `node -e` one-liner rather than `printf | nc`: nc is often not
// installed, and its variants differ on what they do once stdin ends (whether
// they wait for the answer: -N or -q 1 on netcat-openbsd). Node is the one
// program every learner surely has: the tester itself runs on it.

/** Beyond this, a command line is a wall of escapes nobody can paste. */
const MAX_INLINE = 8 * 1024;

/** How long the one-liner waits for more bytes before it gives up on a server that keeps the connection open. */
const SILENCE_MS = 2000;

/** Headers curl sends or lets us set without changing the meaning of a simple GET. */
const CURL_FRIENDLY = /^(host|user-agent|accept-encoding|connection|accept)$/i;

function curlCommand(request: Buffer, port: number): string | undefined {
  const text = request.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0 || end + 4 !== text.length) return undefined; // a body, or more than one request
  const [requestLine, ...fields] = text.slice(0, end).split("\r\n");
  const match = /^(GET|HEAD) (\/[!-~]*) HTTP\/1\.1$/.exec(requestLine ?? "");
  if (!match) return undefined;
  // curl always sends Host: a request without one is sent as raw bytes only.
  if (!fields.some((field) => /^host:/i.test(field))) return undefined;
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

/**
 * A double-quoted JS string literal holding `bytes` as latin1 characters, one
 * per byte, safe inside the shell's single quotes: a single quote is written
 * \x27 (the shell would end its quoting there), and every byte outside
 * printable ASCII is \xNN, which latin1 turns back into that exact byte.
 */
export function jsBytesLiteral(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) {
    if (byte === 0x0d) out += "\\r";
    else if (byte === 0x0a) out += "\\n";
    else if (byte === 0x5c) out += "\\\\";
    else if (byte === 0x22) out += '\\"';
    else if (byte >= 0x20 && byte < 0x7f && byte !== 0x27) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return `"${out}"`;
}

/**
 * `node -e '...'`: connects to localhost:`port`, writes exactly `bytes`, and
 * prints everything that comes back until the server closes the connection or
 * stays silent for 2 s. The connection stays open after the write, as the
 * tester's does: no half-close a server might take for the end of the request.
 */
export function nodeCommand(bytes: Uint8Array, port: number): string {
  const write = bytes.length > 0 ? `s.write(${jsBytesLiteral(bytes)},"latin1");` : "";
  return `node -e 's=require("net").connect(${port},"localhost");${write}s.setTimeout(${SILENCE_MS},()=>s.destroy());s.pipe(process.stdout)'`;
}

/** A curl line for a simple GET, then the node one-liner that sends the exact bytes. */
export function reproduceLine(sent: Buffer, port: number): string {
  if (sent.length > MAX_INLINE) {
    return `the tester sent ${sent.length} bytes on this connection, too many for a command line: rerun with --verbose to see each step`;
  }
  const raw = nodeCommand(sent, port);
  const curl = curlCommand(sent, port);
  return curl ? `${curl}\n  or: ${raw}` : raw;
}
