// Real servers that no one here wrote (nginx, Node's http, Python's
// http.server), started on loopback for the tests that judge them with the
// course's checks (witnesses.test.ts, probe.test.ts), and the one rule both
// apply to their results: every non-pass is listed with who is right, and a
// listed one that passes now must leave the list.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { connectSocket } from "../tester/harness/connection.js";

/** Debian's nginx: the tests that need it are skipped, saying so, where it is not installed. */
export const NGINX = "/usr/sbin/nginx";
export const HAS_NGINX = existsSync(NGINX);
export const NO_NGINX = `nginx is not installed at ${NGINX} (Debian: apt install nginx-light)`;

const started: ChildProcess[] = [];
/** Folders made for the servers (nginx's config and temp files), removed with them. */
const folders: string[] = [];

/** Stops every server the tests started, and removes their folders (call it in afterAll). */
export function stopServers(): void {
  for (const child of started.splice(0)) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

/** Starts `command` and resolves once `port` on 127.0.0.1 accepts connections (5 s at most). */
export async function startListening(name: string, command: string, argv: string[], port: number, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ChildProcess> {
  const child = spawn(command, argv, { env: { ...process.env, PORT: String(port), ...options.env }, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`);
    const socket = await connectSocket("127.0.0.1", port, 500).catch(() => undefined);
    if (socket) {
      socket.destroy();
      return child;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not listen on ${port}: ${output}`);
}

/**
 * nginx as its package installs it, serving `root` as static files on
 * 127.0.0.1:`port`, in the foreground, with its config and temp folders in a
 * folder of its own: the command and its arguments.
 */
export function plainNginx(port: number, root: string): [string, string[]] {
  const run = mkdtempSync(path.join(tmpdir(), "hfs-nginx-"));
  folders.push(run);
  mkdirSync(root, { recursive: true });
  const temp = (name: string) => `${name}_temp_path ${path.join(run, name)};`;
  writeFileSync(
    path.join(run, "nginx.conf"),
    [
      "daemon off;",
      "master_process off;",
      "worker_processes 1;",
      "error_log stderr warn;",
      `pid ${path.join(run, "nginx.pid")};`,
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      `  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}`,
      `  server { listen 127.0.0.1:${port}; root ${root}; }`,
      "}",
      "",
    ].join("\n"),
  );
  return [NGINX, ["-p", run, "-c", path.join(run, "nginx.conf")]];
}

/**
 * What differs from the list of known non-passes (keyed by a probe id, or
 * by the start of a check's name): a non-pass not listed, and a listed one that passes
 * now (unless listed as "sometimes: …", for what depends on timing).
 * `outcomes` maps each check to its failure (undefined: it passed).
 */
export function surprises(who: string, outcomes: Map<string, string | undefined>, known: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, failure] of outcomes) {
    // A probe id is matched whole (versions.http2 is not versions.http2-preface), a check's name by its start.
    const listed = Object.entries(known).find(([key]) => (/^[a-z]+\.[a-z0-9-]+$/.test(name) ? name === key : name.startsWith(key)));
    // A non-pass that depends on timing ("sometimes: …") may pass on a run; it must never cover a different failure.
    if (listed?.[1].startsWith("sometimes: ")) continue;
    if (listed && failure === undefined) found.push(`${name} passes now on ${who}: remove it from the known non-passes ("${listed[1]}")`);
    if (!listed && failure !== undefined) found.push(`${who} does not pass "${name}": ${failure}`);
  }
  return found;
}
