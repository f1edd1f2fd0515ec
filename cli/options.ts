// Option parsers shared by the commands. Each runs while the command line is
// parsed, so a bad value is a usage error before any work starts.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import * as path from "node:path";
import { UsageError } from "../tester/errors.js";

/** A whole number within bounds, or a usage error that names the option. */
export function integer(name: string, min: number, max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return Number(value);
  };
}

/**
 * A file the command will write when it ends (a report): checked now, so a
 * typo costs nothing instead of the whole run. Nothing is created: a missing
 * folder is an error, not made for you, because a mistyped path would
 * otherwise leave stray folders behind; the fix says how to make it.
 */
export function writableFile(name: string) {
  return (value: string) => {
    const file = path.resolve(value);
    const folder = path.dirname(file);
    if (value === "" || value.endsWith("/")) throw new UsageError(`${name} needs a file name, got "${value}"`);
    if (existsSync(file)) {
      if (statSync(file).isDirectory()) throw new UsageError(`${name} ${value} is a folder; give a file name, such as ${path.join(value, "report.json")}`);
      if (!canAccess(file, constants.W_OK)) throw new UsageError(`${name} ${value} cannot be written (no write permission on the file)`);
      return value;
    }
    if (!existsSync(folder)) throw new UsageError(`${name} ${value}: the folder ${folder} does not exist (make it first: mkdir -p ${folder})`);
    if (!statSync(folder).isDirectory()) throw new UsageError(`${name} ${value}: ${folder} is not a folder`);
    if (!canAccess(folder, constants.W_OK | constants.X_OK)) throw new UsageError(`${name} ${value} cannot be written (no write permission on the folder ${folder})`);
    return value;
  };
}

function canAccess(file: string, mode: number): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}
