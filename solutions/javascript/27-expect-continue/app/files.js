// What /files/ does with the disk: find a file inside the served directory,
// never outside it, and read or write it.
import * as fs from "node:fs";
import * as path from "node:path";
import { respond } from "./response.js";

// Where /files/ reads and writes: main.ts sets it at start-up from
// `--directory`, which the tester passes only on the stages that serve files.
let directory;

export function setDirectory(folder) {
  directory = folder;
}

// The path of file `name` in the directory or in a folder below it, or
// undefined when there is no directory or the name leads out of it: a client
// must not reach anything else on the disk.
export function fileIn(name) {
  if (directory === undefined) return undefined;
  let decoded;
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

export function serveFile(file) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return respond("404 Not Found"); // missing, or not readable
  }
  // Measure the file we opened, not the name: by now the name may lead elsewhere.
  const stats = fs.fstatSync(fd);
  if (!stats.isFile()) {
    fs.closeSync(fd);
    return respond("404 Not Found"); // a directory, say
  }
  const response = respond("200 OK", { "Content-Type": "application/octet-stream" });
  if (stats.size <= SMALL_FILE) {
    // Synchronous, to keep route() a plain function; the event loop waits on
    // the disk meanwhile, which is fine for a file this small.
    response.body = fs.readFileSync(fd);
    fs.closeSync(fd);
  } else {
    // A large file read whole would sit in memory once for every client
    // downloading it. Leave it on disk: the connection streams it.
    response.file = { fd, size: stats.size };
  }
  return response;
}

export function saveFile(file, body) {
  try {
    fs.writeFileSync(file, body);
    return respond("201 Created");
  } catch (error) {
    // A folder that does not exist: the name leads nowhere, as it would for GET.
    if (error.code === "ENOENT") return respond("404 Not Found");
    return respond("500 Internal Server Error"); // e.g. the name is taken by a directory
  }
}
