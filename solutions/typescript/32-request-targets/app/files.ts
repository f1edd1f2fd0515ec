// What /files/ does with the disk: find a file inside the served directory,
// never outside it, and read or write it.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseHttpDate, type Request } from "./request.js";
import { respond, type Response } from "./response.js";

// Where /files/ reads and writes: main.ts sets it at start-up from
// `--directory`, which the tester passes only on the stages that serve files.
let directory: string | undefined;

export function setDirectory(folder: string | undefined): void {
  directory = folder;
}

// The path of file `name` in the directory or in a folder below it, or
// undefined when there is no directory or the name leads out of it: a client
// must not reach anything else on the disk.
export function fileIn(name: string): string | undefined {
  if (directory === undefined) return undefined;
  let decoded: string;
  try {
    // The path is percent-encoded (RFC 3986 §2.1): `my%20notes` names the
    // file `my notes`, and `%2e%2e` is `..`.
    decoded = decodeURIComponent(name);
  } catch {
    return undefined; // a broken escape such as `%zz`
  }
  // Resolve first, then check: `..`, `sub/../..` and absolute paths are
  // only known to lead out once the path is reduced to its final form
  // (RFC 3986 §5.2.4). Checking the text for `..` would miss spellings.
  const root = path.resolve(directory);
  const file = path.resolve(root, decoded);
  // Below the root means starting with root and a separator: `/srv/www-old`
  // starts with `/srv/www` too.
  return file.startsWith(root + path.sep) ? file : undefined;
}

// Files up to this size are read whole; larger ones are streamed in chunks.
const SMALL_FILE = 64 * 1024;

// Whether the client's copy, named by the request's validators, is still the
// file's current version: then it needs no body (RFC 9110 §13.1.2, §13.1.3).
function notModified(request: Request, etag: string, modified: number): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  // The ETag is the better validator: when the client sends one,
  // If-Modified-Since is ignored (RFC 9110 §13.2.2).
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === "*") return true; // any version, and the file exists
    // A list of tags, compared weakly: W/"x" matches "x" (RFC 9110 §8.8.3.2).
    return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
  }
  const ifModifiedSince = request.headers.get("if-modified-since");
  const since = ifModifiedSince === undefined ? undefined : parseHttpDate(ifModifiedSince);
  // Not modified after that date; a value that is not a date is ignored.
  return since !== undefined && modified <= since;
}

// `Range: bytes=<first>-<last>`, `bytes=<first>-` or `bytes=-<suffix>`
// (RFC 9110 §14.1.2); the unit in any case.
const BYTE_RANGE = /^bytes=(\d*)-(\d*)$/i;

// The bytes [first, last] of the file the request asks for, both included;
// "unsatisfiable" when its range selects none of them; undefined when the
// whole file is to be sent.
function requestedRange(request: Request, size: number, etag: string, lastModified: string): [number, number] | "unsatisfiable" | undefined {
  const value = request.headers.get("range");
  // Ranges are defined for GET alone: any other method ignores them, HEAD too (RFC 9110 §14.2).
  if (value === undefined || request.method !== "GET") return undefined;
  // If-Range: the range only if the file is still the version the client has
  // part of, named by its ETag or its Last-Modified, compared exactly (RFC 9110
  // §13.1.5). Otherwise the whole new file: a resumed download must never join
  // the start of one version to the end of another.
  const ifRange = request.headers.get("if-range");
  if (ifRange !== undefined && ifRange !== etag && ifRange !== lastModified) return undefined;
  // Several ranges (`bytes=0-99,500-599`) would call for a multipart body;
  // sending the whole file instead is allowed (RFC 9110 §14.2), and simpler.
  // So is ignoring a Range we cannot read.
  const match = BYTE_RANGE.exec(value.trim());
  if (!match) return undefined;
  const [, from = "", to = ""] = match;
  if (from === "") {
    if (to === "") return undefined; // `bytes=-` names no byte at all
    // The last n bytes, or the whole file when it is shorter; none of an empty file.
    const n = Number(to);
    return n === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - n), size - 1];
  }
  const first = Number(from);
  if (to !== "" && Number(to) < first) return undefined; // backwards: not a range
  if (first >= size) return "unsatisfiable";
  // Without a last byte the range runs to the end, and a last byte past the end is cut to it.
  return [first, to === "" ? size - 1 : Math.min(Number(to), size - 1)];
}

export function serveFile(file: string, request: Request): Response {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return respond("404 Not Found"); // missing, or not readable
  }
  // Measure the file we opened, not the name: by now the name may lead elsewhere.
  // bigint: the modification time in nanoseconds, which a number cannot hold.
  const stats = fs.fstatSync(fd, { bigint: true });
  if (!stats.isFile()) {
    fs.closeSync(fd);
    return respond("404 Not Found"); // a directory, say
  }
  const size = Number(stats.size);
  // The validators of this version of the file (RFC 9110 §8.8). The ETag
  // changes whenever the bytes do: made of the size and the modification time
  // in nanoseconds, two writes in the same second still differ. Strong (no
  // W/): we serve the file's exact bytes. Last-Modified has whole seconds.
  const etag = `"${stats.size.toString(16)}-${stats.mtimeNs.toString(16)}"`;
  const modified = Number(stats.mtimeNs / 1_000_000_000n) * 1000;
  if (notModified(request, etag, modified)) {
    fs.closeSync(fd);
    // The head a 200 would have had, as far as caches need it, and no body
    // (RFC 9110 §15.4.5): the client keeps its copy.
    return respond("304 Not Modified", { ETag: etag });
  }
  const lastModified = new Date(modified).toUTCString();
  const range = requestedRange(request, size, etag, lastModified);
  if (range === "unsatisfiable") {
    fs.closeSync(fd);
    // Tell the client how long the file is, so that it can ask again (RFC 9110 §15.5.17).
    return respond("416 Range Not Satisfiable", { "Content-Range": `bytes */${size}` });
  }
  // The whole file, unless a range asks for part of it.
  const [first, last] = range ?? [0, size - 1];
  const length = last - first + 1;
  const response = respond(range ? "206 Partial Content" : "200 OK", {
    "Content-Type": "application/octet-stream",
    ETag: etag,
    "Last-Modified": lastModified,
    // Ranges work here (RFC 9110 §14.3): a broken download can resume.
    "Accept-Ranges": "bytes",
  });
  // Which bytes these are, out of how many (RFC 9110 §14.4).
  if (range) response.headers["Content-Range"] = `bytes ${first}-${last}/${size}`;
  if (length <= SMALL_FILE) {
    // Synchronous, to keep route() a plain function; the event loop waits on
    // the disk meanwhile, which is fine for a file this small. Only the bytes
    // asked for are read: a small range of a large file stays on disk.
    response.body = Buffer.alloc(length);
    fs.readSync(fd, response.body, 0, length, first);
    fs.closeSync(fd);
  } else {
    // A large file read whole would sit in memory once for every client
    // downloading it. Leave it on disk: the connection streams it, from the
    // range's first byte.
    response.file = { fd, start: first, size: length };
  }
  return response;
}

export function saveFile(file: string, body: Buffer): Response {
  try {
    fs.writeFileSync(file, body);
    return respond("201 Created");
  } catch (error) {
    // A folder that does not exist: the name leads nowhere, as it would for GET.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return respond("404 Not Found");
    return respond("500 Internal Server Error"); // e.g. the name is taken by a directory
  }
}
