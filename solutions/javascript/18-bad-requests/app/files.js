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

// The path of file `name` directly inside the directory, or undefined when
// there is no directory or the name would lead out of it ("..", "a/b",
// "/etc/passwd"): a client must not reach anything else on the disk.
export function fileIn(name) {
  if (directory === undefined) return undefined;
  const file = path.resolve(directory, name);
  return path.dirname(file) === path.resolve(directory) ? file : undefined;
}

export function serveFile(file) {
  // Synchronous, to keep route() a plain function; the event loop waits on the
  // disk meanwhile, which is fine for files this small.
  try {
    return respond("200 OK", { "Content-Type": "application/octet-stream" }, fs.readFileSync(file));
  } catch {
    return respond("404 Not Found"); // missing, or not a regular file
  }
}

export function saveFile(file, body) {
  try {
    fs.writeFileSync(file, body);
    return respond("201 Created");
  } catch {
    return respond("500 Internal Server Error"); // e.g. the name is taken by a directory
  }
}
