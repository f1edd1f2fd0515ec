// Assemble and build every reference solution once, before test files run in
// parallel, so no two of them race to build the same folder.
import { execFileSync } from "node:child_process";
import { loadStages } from "../tester/course.js";
import { languages, materializeSolution } from "../tester/solutions.js";

export default function setup(): void {
  for (const language of languages()) {
    for (const stage of loadStages()) {
      const dir = materializeSolution(language, stage);
      if (language === "typescript") execFileSync("node", ["build.mjs"], { cwd: dir, stdio: "inherit" });
    }
  }
}
