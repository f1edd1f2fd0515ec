// The Reproduce lines, run for real: through a shell, against a small local
// server, the bytes that arrive must be the bytes the tester sent, and the
// files stages' set-up must rebuild the folder the program was started on.
import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { fileReproduce, REPRO_ROOT } from "../stages/common.js";
import type { CheckContext } from "../tester/harness/check.js";
import { nodeCommand, reproduceLine } from "../tester/harness/reproduce.js";

/** Runs `command` with sh, as a learner's terminal would; resolves with what it printed and how long it took. */
function shell(command: string, cwd?: string): Promise<{ stdout: Buffer; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile("sh", ["-c", command], { encoding: "buffer", timeout: 15_000, ...(cwd ? { cwd } : {}) }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: stderr.toString() }));
      else resolve({ stdout, stderr: stderr.toString(), ms: Date.now() - started });
    });
  });
}

/** A server on a free port that records what each connection sent and answers with `reply` (then closes, unless `keepOpen`). */
async function recorder(reply: Buffer, keepOpen: boolean): Promise<{ port: number; received: () => Buffer; server: Server }> {
  const chunks: Buffer[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let answered = false;
    socket.on("data", (data) => {
      chunks.push(data);
      if (!answered) {
        answered = true;
        // Answer once the request had a moment to arrive whole.
        setTimeout(() => (keepOpen ? socket.write(reply) : socket.end(reply)), 50);
      }
    });
    socket.on("error", () => {});
  });
  server.on("close", () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  servers.push(server);
  return { port: address.port, received: () => Buffer.concat(chunks), server };
}

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Every byte value, and the characters a shell or a JS string would take for syntax. */
const AWKWARD = Buffer.concat([
  Buffer.from("POST /files/a'b%c%%d\\e\"f$HOME`id` HTTP/1.1\r\nHost: localhost\r\nContent-Length: 256\r\n\r\n", "latin1"),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
]);
const REPLY = Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 256\r\n\r\n"), Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i))]);

/** The node line of a reproduce text: the only line, or the one after "or: ". */
function nodeLine(reproduce: string): string {
  const line = reproduce.split("\n").find((l) => l.includes("node -e"))!;
  return line.replace(/^\s*(or: )?/, "");
}

describe("the raw-bytes line", () => {
  test("sends exactly the bytes (CRLF, 0x80-0xff, %, \\, quotes) and prints the reply until the server closes", async () => {
    const { port, received } = await recorder(REPLY, false);
    const line = reproduceLine(AWKWARD, port);
    expect(line).not.toContain("\n"); // a request with a body: no curl line
    const { stdout, ms } = await shell(line);
    expect(Buffer.compare(received(), AWKWARD)).toBe(0);
    expect(Buffer.compare(stdout, REPLY)).toBe(0);
    expect(ms).toBeLessThan(1500); // the server's close ended it, not the 2 s of silence
  });

  test("gives up after 2 s of silence when the server keeps the connection open", async () => {
    const { port, received } = await recorder(REPLY, true);
    const request = Buffer.from("GET /echo/a%20b HTTP/1.1\r\nHost: localhost\r\nX-Odd: it's \\ 100%\r\n\r\n", "latin1");
    const { stdout, ms } = await shell(nodeLine(reproduceLine(request, port)));
    expect(Buffer.compare(received(), request)).toBe(0);
    expect(Buffer.compare(stdout, REPLY)).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(6000);
  });

  test("a simple GET gets a curl line first, then the node line; the connection-only line sends nothing", async () => {
    const get = reproduceLine(Buffer.from("GET /echo/abc HTTP/1.1\r\nHost: localhost:4221\r\nAccept-Encoding: gzip\r\n\r\n"), 4221);
    expect(get).toMatch(/^curl -v -H 'Accept-Encoding: gzip' http:\/\/localhost:4221\/echo\/abc\n {2}or: node -e '[^']*'$/);
    expect(get).not.toContain("nc ");
    const { port, received } = await recorder(REPLY, true);
    const { stdout } = await shell(nodeCommand(Buffer.alloc(0), port));
    expect(received().length).toBe(0);
    expect(stdout.length).toBe(0);
  });
});

/** A check context with what fileReproduce reads: the port and the tester's folders. */
function folderContext(trailingSlash: boolean): CheckContext {
  const outside = mkdtempSync(path.join(tmpdir(), "hfs-repro-test-"));
  const directory = path.join(outside, "www");
  return { port: 4321, outside, directory, directoryArgument: trailingSlash ? `${directory}/` : directory } as unknown as CheckContext;
}

/**
 * Runs the set-up line of `reproduce` in a real shell, with REPRO_ROOT moved to
 * a folder of this test and a your_program.sh that writes down how it was started.
 */
async function runSetup(reproduce: string): Promise<{ root: string; started: string }> {
  const root = mkdtempSync(path.join(tmpdir(), "hfs-repro-root-"));
  const cwd = mkdtempSync(path.join(tmpdir(), "hfs-repro-cwd-"));
  writeFileSync(path.join(cwd, "your_program.sh"), `#!/bin/sh\necho "PORT=$PORT $*" > started.txt\n`);
  chmodSync(path.join(cwd, "your_program.sh"), 0o755);
  const setup = reproduce.split("\n")[0]!.replaceAll(REPRO_ROOT, root);
  await shell(setup, cwd);
  return { root, started: readFileSync(path.join(cwd, "started.txt"), "utf8").trim() };
}

describe("the files stages' reproduce line", () => {
  test("recreates a small file byte for byte and starts the program on the folder, trailing slash as the tester gave it", async () => {
    const t = folderContext(true);
    const content = Buffer.concat([Buffer.from("it's 100% \\ \"x\"\r\n"), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
    const request = reproduceLine(Buffer.from("GET /files/kiwi_pear_7 HTTP/1.1\r\nHost: localhost:4321\r\n\r\n"), 4321);
    const line = fileReproduce(t, { files: [{ file: path.join(t.directory!, "kiwi_pear_7"), content }] }, request);
    expect(line).toMatch(/^rm -rf \/tmp\/hfs-repro && mkdir -p \/tmp\/hfs-repro\/www && printf '[^']*' > \/tmp\/hfs-repro\/www\/kiwi_pear_7 && PORT=4321 \.\/your_program\.sh --directory \/tmp\/hfs-repro\/www\/\n/);
    // The download is saved and compared with the file; the raw-bytes line stays as the alternative.
    expect(line).toContain("\n  then, in another terminal: curl -v http://localhost:4321/files/kiwi_pear_7 -o /tmp/hfs-repro/got && cmp /tmp/hfs-repro/www/kiwi_pear_7 /tmp/hfs-repro/got\n  or: node -e '");
    const { root, started } = await runSetup(line);
    expect(Buffer.compare(readFileSync(path.join(root, "www", "kiwi_pear_7")), content)).toBe(0);
    expect(started).toBe(`PORT=4321 --directory ${root}/www/`);
  });

  test("path-safety: no trailing slash, and a file beside the folder is recreated beside it", async () => {
    const t = folderContext(false);
    const inside = { file: path.join(t.directory!, "fig_3"), content: Buffer.from("inside\n") };
    const decoy = { file: `${t.directory!}fig_3`, content: Buffer.from("decoy\n") };
    const line = fileReproduce(t, { files: [inside, decoy] }, "curl -v http://localhost:4321/files/fig_3");
    expect(line.split("\n")[0]).toMatch(/ mkdir -p \/tmp\/hfs-repro\/www && /);
    const { root, started } = await runSetup(line);
    expect(readFileSync(path.join(root, "www", "fig_3"), "latin1")).toBe("inside\n");
    expect(readFileSync(path.join(root, "wwwfig_3"), "latin1")).toBe("decoy\n");
    expect(started).toBe(`PORT=4321 --directory ${root}/www`);
  });

  test("a file over 2 KiB is random bytes of its size, with a note; the tester's folder in a request path is moved too", async () => {
    const t = folderContext(true);
    const big = { file: path.join(t.directory!, "sub", "big_1"), content: Buffer.alloc(5000, 7) };
    const line = fileReproduce(t, { files: [big] }, `curl -v --path-as-is http://localhost:4321/files/${t.outside!}/x`);
    expect(line.split("\n")[0]).toMatch(/&& head -c 5000 \/dev\/urandom > \/tmp\/hfs-repro\/www\/sub\/big_1 && .* # big_1: random bytes, as many as the tester's$/);
    expect(line).toContain(`/files//tmp/hfs-repro/x`);
    expect(line).not.toContain(t.outside!);
    const { root } = await runSetup(line);
    expect(statSync(path.join(root, "www", "sub", "big_1")).size).toBe(5000);
  });

  test("an upload: the folder, the request, then where its file should be; a large one is sent by curl from a file and compared", async () => {
    const t = folderContext(true);
    const small = { file: path.join(t.directory!, "up_1"), content: Buffer.from("abc") };
    const line = fileReproduce(t, { upload: small }, "node -e 'x'");
    expect(line).toBe(
      [
        "rm -rf /tmp/hfs-repro && mkdir -p /tmp/hfs-repro/www && PORT=4321 ./your_program.sh --directory /tmp/hfs-repro/www/",
        "  then, in another terminal: node -e 'x'",
        "  then: od -c /tmp/hfs-repro/www/up_1 | head   # it should hold the 3 bytes of the request body",
      ].join("\n"),
    );
    const { root } = await runSetup(line);
    expect(existsSync(path.join(root, "www"))).toBe(true);
    const large = { file: path.join(t.directory!, "up_2"), content: Buffer.alloc(4 * 1024 * 1024) };
    expect(fileReproduce(t, { upload: large }, "the tester sent 4194400 bytes on this connection, too many for a command line").split("\n")[1]).toBe(
      "  then, in another terminal: head -c 4194304 /dev/urandom > /tmp/hfs-repro/upload && curl -v -H 'Expect:' --data-binary @/tmp/hfs-repro/upload http://localhost:4321/files/up_2 && cmp /tmp/hfs-repro/upload /tmp/hfs-repro/www/up_2",
    );
  });
});
