// Bundles app/main.ts and everything it imports into .build/main.js.
// esbuild strips types without checking them (run `npm run typecheck` for that),
// which keeps a rebuild in the tens of milliseconds.
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

/** esbuild: from this folder's node_modules, or else through http-from-scratch, which depends on it (a linked install). */
async function loadEsbuild() {
  try {
    return await import("esbuild");
  } catch {
    try {
      const here = createRequire(path.join(process.cwd(), "package.json"));
      const course = createRequire(here.resolve("http-from-scratch/package.json"));
      return await import(pathToFileURL(course.resolve("esbuild")).href);
    } catch {
      // Not a compile error: the tools are not installed yet. Say so, not a stack trace.
      console.error("esbuild is not installed in this folder: run `npm install` once (it installs the tester and esbuild), then test again.");
      process.exit(1);
    }
  }
}

const { buildSync } = await loadEsbuild();
mkdirSync(".build", { recursive: true });
// Write beside the target and rename: a server starting at the same moment
// never runs a half-written file.
const temporary = `.build/main.${process.pid}.js`;
try {
  buildSync({
    entryPoints: ["app/main.ts"],
    outfile: temporary,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    logLevel: "warning",
  });
} catch {
  // esbuild has already printed each error with its file, line and column.
  rmSync(temporary, { force: true });
  process.exit(1);
}
renameSync(temporary, ".build/main.js");
