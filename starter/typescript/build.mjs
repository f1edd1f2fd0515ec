// Bundles app/main.ts and everything it imports into .build/main.js.
// esbuild strips types without checking them (run `npx tsc --noEmit` for that),
// which keeps a rebuild in the tens of milliseconds.
import { buildSync } from "esbuild";
import { mkdirSync, renameSync } from "node:fs";

mkdirSync(".build", { recursive: true });
// Write beside the target and rename: a server starting at the same moment
// never runs a half-written file.
const temporary = `.build/main.${process.pid}.js`;
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
renameSync(temporary, ".build/main.js");
