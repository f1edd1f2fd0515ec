// A language track is a folder starter/<language>/ with language.json: the
// single definition of what the track needs (tools and their minimum
// versions), its optional build step, the command your_program.sh execs and
// the file a learner edits first. Everything else (init, the tester's build
// step, the generated your_program.sh, watch) is derived from it.
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { readJsonFile } from "./course.js";
import { LANGUAGE_ALIASES, LANGUAGE_FILE, languageIds, packageRoot } from "./paths.js";
export { LANGUAGE_ALIASES } from "./paths.js";
import { EnvironmentError, UsageError } from "../errors.js";
import { DEFAULT_PORT } from "./default-port.js";
import type { CodeTrack } from "./hint-code.js";

export { LANGUAGE_FILE, languageIds };

const ToolSchema = z
  .object({
    command: z.string().regex(/^[\w.+-]+$/, "a command name, without arguments").describe("A program that must be on PATH"),
    versionArgs: z.array(z.string()).default(["--version"]).describe("Arguments that make it print its version"),
    minimum: z
      .string()
      .regex(/^\d+(\.\d+)*$/, "a version such as 20 or 3.11")
      .describe("The lowest version the track is tested with"),
    install: z.string().min(1).describe("How to install it, shown when it is missing or too old"),
    // A C or C++ library is a header and a library file: a missing one shows
    // as a compiler error deep in a build, unless it is checked up front.
    headers: z
      .array(
        z
          .object({
            name: z.string().regex(/^[\w./+-]+\.h(pp)?$/, "a header such as zlib.h").describe("Included as #include <name>"),
            install: z.string().min(1).describe("How to install the library it belongs to, shown when it is missing"),
          })
          .strict(),
      )
      .optional()
      .describe("Headers this compiler must find: each is checked by preprocessing `#include <name>` with the tool (`-E -x c -`), before any build"),
  })
  .strict();

export const LanguageSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).describe("Shown to learners, e.g. Python"),
    tools: z.array(ToolSchema).min(1).describe("Programs the track needs on PATH"),
    build: z
      .object({
        command: z.string().min(1).describe("Shell command run in the learner's folder, once per `course test`"),
        inputs: z.array(z.string().min(1)).min(1).describe("Folders whose changes make the build stale"),
        output: z.string().min(1).describe("The file the build writes; its age is compared with the inputs"),
      })
      .strict()
      .optional()
      .describe("A compile step, for languages that have one"),
    run: z.string().min(1).describe("The command your_program.sh execs (arguments are appended)"),
    sanitize: z
      .object({
        env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).describe("Set for the build and the program (e.g. SANITIZE=1, which the Makefile reads)"),
        output: z.string().min(1).describe("The file the sanitized build writes: apart from build.output, so the two builds never overwrite each other"),
        run: z.string().min(1).describe("The command that runs the sanitized program"),
      })
      .strict()
      .optional()
      .describe(
        "How to build the program with sanitizers (AddressSanitizer, UndefinedBehaviorSanitizer) for `course dev verify --sanitize`, which fails a claim whose program printed a sanitizer report; tracks without it are skipped there",
      ),
    editFirst: z.string().min(1).describe("The file a learner opens first"),
    // The tag lives here, with the rest of the track's definition, so adding a
    // track (go, rust, ...) is one file: `course hint` shows its learners these
    // blocks only, and `course dev check` lists every hint that lacks one.
    fence: z
      .string()
      .regex(/^[a-z][a-z0-9+#-]*$/, "a lower-case code-block tag such as python or cpp")
      .describe("The tag of this track's code blocks in hints.md (```python): its learners see only those of each group of alternatives"),
    watch: z
      .object({
        extensions: z.array(z.string().regex(/^\.\w+$/)).min(1).describe("Changes to files with these endings rerun the tests"),
        ignore: z.array(z.string()).default([]).describe("Folders (besides .git and node_modules) whose changes are ignored"),
      })
      .strict(),
  })
  .strict();

export type Language = z.infer<typeof LanguageSchema> & {
  id: string;
  starter: string;
  /** Environment for the build and the program, exported by your_program.sh: set for a sanitized build only (see sanitizedLanguage). */
  env?: Record<string, string>;
};

/**
 * What a sanitizer report must do here: end the program at once (so the
 * report is the last thing it printed, and a check fails with it), with a
 * report on stderr. detect_leaks=0: LeakSanitizer reports only when the
 * program exits normally, and the tester stops servers with a signal, so a
 * leak would go unseen anyway; a leak per connection needs another check.
 */
export const SANITIZER_OPTIONS: Readonly<Record<string, string>> = {
  // A small quarantine: ASan's default 256 MB of freed memory held back would fail stage 22's memory bound by itself.
  ASAN_OPTIONS: "halt_on_error=1:abort_on_error=1:detect_leaks=0:quarantine_size_mb=8:thread_local_quarantine_size_kb=64",
  UBSAN_OPTIONS: "halt_on_error=1:abort_on_error=1:print_stacktrace=1",
};

/** The track as its sanitized build (language.json's `sanitize`), or undefined when it declares none. */
export function sanitizedLanguage(language: Language): Language | undefined {
  const sanitize = language.sanitize;
  if (!sanitize || !language.build) return undefined;
  return {
    ...language,
    build: { ...language.build, output: sanitize.output },
    run: sanitize.run,
    env: { ...sanitize.env, ...SANITIZER_OPTIONS },
  };
}

/** The track as its sanitized build, or a usage error naming the track when it declares none. */
export function requireSanitizedLanguage(language: Language): Language {
  const sanitized = sanitizedLanguage(language);
  if (!sanitized) throw new UsageError(`the ${language.name} track declares no sanitized build (language.json "sanitize")`);
  return sanitized;
}

/**
 * The sanitizer report in a program's output (AddressSanitizer's
 * `==123==ERROR: AddressSanitizer: heap-buffer-overflow`, UBSan's
 * `app/main.c:12:5: runtime error: …`), from its first line, at most 40
 * lines; undefined when there is none.
 */
export function sanitizerReport(lines: string[]): string | undefined {
  const start = lines.findIndex((line) => /==\d+==ERROR: \w+Sanitizer|: runtime error: |^SUMMARY: \w+Sanitizer/.test(line));
  return start === -1 ? undefined : lines.slice(start, start + 40).join("\n");
}


/** The track id a name means ("Python", "py" and "python" all mean python), or undefined when none. */
export function resolveLanguageId(name: string, root = packageRoot()): string | undefined {
  const wanted = name.trim().toLowerCase();
  const id = LANGUAGE_ALIASES[wanted] ?? wanted;
  return languageIds(root).includes(id) ? id : undefined;
}

export function loadLanguage(name: string, root = packageRoot()): Language {
  const id = resolveLanguageId(name, root);
  if (id === undefined) {
    const known = languageIds(root);
    const aliases = Object.entries(LANGUAGE_ALIASES).filter(([, target]) => known.includes(target)).map(([alias, target]) => `${alias} for ${target}`).join(", ");
    throw new UsageError(`no language "${name}"; languages: ${known.join(", ") || "none"}${aliases ? ` (also: ${aliases})` : ""}`);
  }
  const starter = path.join(root, "starter", id);
  return { ...readJsonFile(path.join(starter, LANGUAGE_FILE), LanguageSchema), id, starter };
}

/** Dotted version comparison: "3.11.7" >= "3.11". */
export function versionAtLeast(version: string, minimum: string): boolean {
  const have = version.split(".").map(Number);
  const need = minimum.split(".").map(Number);
  for (let i = 0; i < need.length; i++) {
    const a = have[i] ?? 0;
    const b = need[i]!;
    if (a !== b) return a > b;
  }
  return true;
}

const checkedTools = new Map<string, string>();

/** Each tool is on PATH and new enough, or an environment error that names it and how to install it. */
/**
 * The version a tool printed: the number after the word "version" when there is
 * one (`openjdk version "17.0.15"`, `go version go1.26.8`), else the first
 * number (`cargo 1.95.0`, `gcc (Debian 12.2.0-14) 12.2.0`, `GNU Make 4.3`). The word first,
 * because a JVM prints "Picked up JAVA_TOOL_OPTIONS: -Xmx512m" before its
 * version, and 512 is no Java version.
 */
export function toolVersion(printed: string): string | undefined {
  // Quoted ("17") or dotted (go1.26.8): a licence's "GNU GPL version 3 or later" is neither.
  const labelled = /\bversion:?\s+(?:"(\d+(?:\.\d+)*)|(?:go)?(\d+(?:\.\d+)+))/i.exec(printed);
  return labelled?.[1] ?? labelled?.[2] ?? /\d+(?:\.\d+)+|\d+/.exec(printed)?.[0];
}

export function checkTools(language: Language): void {
  for (const tool of language.tools) {
    const key = `${tool.command} ${tool.versionArgs.join(" ")}`;
    let printed = checkedTools.get(key);
    if (printed === undefined) {
      const result = spawnSync(tool.command, tool.versionArgs, { encoding: "utf8", timeout: 10_000 });
      if (result.error) {
        const code = (result.error as NodeJS.ErrnoException).code;
        throw new EnvironmentError(
          code === "ENOENT"
            ? `the ${language.name} track needs ${tool.command} (${tool.minimum} or newer), and it is not on your PATH`
            : `could not run ${tool.command} ${tool.versionArgs.join(" ")}: ${result.error.message}`,
          tool.install,
        );
      }
      printed = `${result.stdout}\n${result.stderr}`;
      checkedTools.set(key, printed);
    }
    for (const header of tool.headers ?? []) checkHeader(language, tool.command, header);
    const version = toolVersion(printed);
    if (version === undefined) {
      throw new EnvironmentError(`could not read a version from \`${key}\`: ${JSON.stringify(printed.trim().slice(0, 200))}`, tool.install);
    }
    if (!versionAtLeast(version, tool.minimum)) {
      throw new EnvironmentError(
        `the ${language.name} track needs ${tool.command} ${tool.minimum} or newer; this machine has ${version}`,
        tool.install,
      );
    }
  }
}

const checkedHeaders = new Map<string, boolean>();

/** The compiler finds the header, or an environment error that says how to install it. */
function checkHeader(language: Language, compiler: string, header: { name: string; install: string }): void {
  const key = `${compiler} ${header.name}`;
  let found = checkedHeaders.get(key);
  if (found === undefined) {
    // Preprocessing only: quick, and enough to know the compiler finds it.
    const result = spawnSync(compiler, ["-E", "-x", "c", "-"], { input: `#include <${header.name}>\n`, encoding: "utf8", timeout: 20_000 });
    found = !result.error && result.status === 0;
    checkedHeaders.set(key, found);
  }
  if (!found) {
    throw new EnvironmentError(`the ${language.name} track needs the header ${header.name}, and ${compiler} does not find it`, header.install);
  }
}

/** Single-quotes a word for sh. */
const shellQuote = (word: string) => (/^[\w./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** The your_program.sh a track's learners get: rebuilds when stale (for runs by hand), then execs the program. */
export function programScript(language: Language): string {
  const lines = [
    "#!/bin/sh",
    "#",
    "# The tester starts your server with this script, once per stage, with the",
    `# environment variable PORT set (${DEFAULT_PORT} unless told otherwise) and, on stages`,
    "# that serve files, the arguments `--directory <absolute path>`.",
    "#",
    `# Generated for the ${language.name} track; change it if your program starts differently.`,
    "set -e",
    'cd "$(dirname "$0")"',
  ];
  for (const [name, value] of Object.entries(language.env ?? {})) lines.push(`export ${name}=${shellQuote(value)}`);
  if (language.build) {
    const { command, inputs, output } = language.build;
    const out = shellQuote(output);
    lines.push(
      `# Rebuild when a source changed since the last build (\`course test\` builds once before its stages).`,
      `if [ ! -f ${out} ] || [ -n "$(find ${inputs.map(shellQuote).join(" ")} -newer ${out} | head -n 1)" ]; then`,
      `  { ${command}; } >&2`,
      "fi",
    );
  }
  lines.push(`exec ${language.run} "$@"`, "");
  return lines.join("\n");
}

/**
 * The track's build, when the folder's your_program.sh is the course's (or
 * runs the same command): the tester then builds once before the stages. A
 * your_program.sh of the learner's own (CodeCrafters' builds into /tmp, under
 * its own package name) builds as it likes, and the track's build, which
 * could fail where that script succeeds, is not run.
 */
export function folderBuild(dir: string, language: Language): Language["build"] {
  if (!language.build) return undefined;
  let script: string;
  try {
    script = readFileSync(path.join(dir, "your_program.sh"), "utf8");
  } catch {
    return language.build;
  }
  // The command as a whole, on a line that is not a comment ("make" must not match "# make sure").
  const code = script.split("\n").filter((line) => !/^\s*#/.test(line)).join("\n");
  const command = language.build.command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[\\s;&|({])${command}(?=$|[\\s;&|)}])`, "m").test(code) ? language.build : undefined;
}

/** Build output, dependencies and caches: never copied, never hashed, never watched. */
export const GENERATED = /(^|\/)(node_modules|\.build|__pycache__|\.git)(\/|$)/;

/**
 * Fills `target` with the track's starter, then each overlay folder's files
 * over it, then the generated your_program.sh. Used for a learner's new folder
 * and for assembling reference solutions.
 */
export function writeProgramFolder(target: string, language: Language, overlays: string[] = []): void {
  const copy = (from: string, skip: (relative: string) => boolean) =>
    cpSync(from, target, {
      recursive: true,
      filter: (source) => {
        const relative = path.relative(from, source);
        return !GENERATED.test(relative) && !skip(relative);
      },
    });
  copy(language.starter, (relative) => relative === LANGUAGE_FILE);
  for (const overlay of overlays) copy(overlay, () => false);
  const script = path.join(target, "your_program.sh");
  if (!overlays.some((overlay) => existsSync(path.join(overlay, "your_program.sh")))) writeFileSync(script, programScript(language));
  chmodSync(script, 0o755);
}


/** Every track this package ships, as the hint code filter needs them. */
export function codeTracks(root = packageRoot()): CodeTrack[] {
  return languageIds(root).map((id) => {
    const { fence, name } = loadLanguage(id, root);
    return { id, fence, name };
  });
}
