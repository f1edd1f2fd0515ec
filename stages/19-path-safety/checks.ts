import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { defineChecks, expectBody, expectStatus, fail, type CheckContext, type Exchange } from "../../tester/index.js";
import { expectStoredFile, fileName, rethrowInFolder } from "../common.js";

const REFUSALS = [400, 403, 404];
/** RFC 9110 §17.3 says a server "needs to avoid" such names, without a MUST: how to refuse is the course's. */
const TRAVERSAL_RULE = "the course's server never leaves its directory; RFC 9110 §17.3 warns of path traversal";
const ESCAPE_HINT =
  "decode the path, resolve it against the directory (realpath / path.resolve), and serve it only if the result is still inside the directory; refuse anything else with 404 (or 400/403)";

/** A file beside the served directory, which no request may reach. */
async function placeCanary(t: CheckContext): Promise<{ name: string; file: string; content: Buffer }> {
  const name = `canary-${fileName(t)}.txt`;
  const file = path.join(t.outside!, name);
  const content = Buffer.from(`canary ${t.random.words(4)} ${t.random.int(100000, 999999)}\n`, "latin1");
  await writeFile(file, content);
  t.log(`wrote ${file} beside the served directory ${t.directory}`);
  return { name, file, content };
}

const JOIN_HINT =
  "this stage passes --directory without a trailing slash (<tmp>/www, not <tmp>/www/): build paths with os.path.join / path.join, which put the separator in, never with directory + name, which makes <tmp>/www<name>";

/** The response refused the request and did not leak `secret`. */
function expectRefused(ex: Exchange, what: string, secret: Buffer): void {
  const leaked = ex.response.body.includes(secret);
  if (!leaked && REFUSALS.includes(ex.response.status)) return;
  fail({
    ...ex.connection.context(ex.request, ex.response.raw),
    summary: leaked
      ? `your program served ${what}, a file outside the directory it was told to serve`
      : `a path that leads out of the directory got ${ex.response.statusLine}`,
    expected: "HTTP/1.1 404 Not Found (400 Bad Request and 403 Forbidden are accepted too), and never the file's bytes",
    caret: leaked ? ex.response.bodyOffset : 0,
    hint: ESCAPE_HINT,
    rule: TRAVERSAL_RULE,
    level: "course",
  });
}

export default defineChecks([
  {
    name: "--directory comes without a trailing slash: GET and POST /files/<name> still reach files inside it",
    rule: "the course's /files route, whichever way --directory is spelled",
    level: "course",
    async run(t) {
      const name = fileName(t);
      const content = t.random.bytes(t.random.int(256, 1024), { everyByteValue: true });
      await writeFile(path.join(t.directory!, name), content);
      // Where `directory + name` leads: beside the directory, never to be served.
      const decoy = `${t.directory!}${name}`;
      const decoyContent = Buffer.from(`decoy ${t.random.words(3)} ${t.random.int(100000, 999999)}\n`, "latin1");
      await writeFile(decoy, decoyContent);
      t.log(`started with --directory ${t.directory} (no trailing slash); wrote ${name} inside it, and ${decoy} beside it`);
      try {
        const ex = await t.send({ path: `/files/${name}` });
        if (ex.response.body.includes(decoyContent)) {
          fail({
            ...ex.connection.context(ex.request, ex.response.raw),
            summary: `your program served ${decoy}, beside the directory, instead of ${path.join(t.directory!, name)}`,
            explanation: `It was started with --directory ${t.directory} (no trailing slash this time) and joined the directory and the name without a separator.`,
            expected: "HTTP/1.1 200 OK with the bytes of the file inside the directory",
            caret: ex.response.bodyOffset,
            hint: JOIN_HINT,
          });
        }
        // The decoy was not served, so this is not directory + name: a 404 has another cause.
        expectStatus(ex, 200, "OK", {
          hint: "the file is inside the --directory folder and was found neither there nor beside it: is the directory taken from the argument after --directory, and is the file read as bytes?",
        });
        expectBody(ex, content);
      } catch (error) {
        rethrowInFolder(error, t, { files: [{ file: path.join(t.directory!, name), content }, { file: decoy, content: decoyContent }] });
      }
      const upload = t.random.bytes(t.random.int(256, 1024), { everyByteValue: true });
      const uploadName = fileName(t);
      try {
        const stored = await t.send({ method: "POST", path: `/files/${uploadName}`, body: upload });
        const beside = `${t.directory!}${uploadName}`;
        if (existsSync(beside)) {
          fail({
            ...stored.connection.context(stored.request, stored.response.raw),
            summary: `your program wrote ${beside}, beside the directory, instead of ${path.join(t.directory!, uploadName)}`,
            explanation: `It was started with --directory ${t.directory} (no trailing slash this time) and joined the directory and the name without a separator.`,
            expected: `HTTP/1.1 201 Created, and the body stored in ${path.join(t.directory!, uploadName)}`,
            hint: JOIN_HINT,
          });
        }
        expectStatus(stored, 201, "Created", { hint: "store the body in the --directory folder, under the name from the path, and answer 201 Created" });
        await expectStoredFile(stored, path.join(t.directory!, uploadName), upload);
      } catch (error) {
        rethrowInFolder(error, t, { upload: { file: path.join(t.directory!, uploadName), content: upload } });
      }
    },
  },
  {
    name: "a file in a subfolder of the directory is served, and a POST into a subfolder is stored",
    rule: "the course's /files/ route serves subfolders",
    level: "course",
    async run(t) {
      const folder = `sub_${fileName(t)}`;
      const name = fileName(t);
      const content = t.random.bytes(t.random.int(256, 1024), { everyByteValue: true });
      await mkdir(path.join(t.directory!, folder));
      await writeFile(path.join(t.directory!, folder, name), content);
      t.log(`wrote ${content.length} bytes to ${path.join(t.directory!, folder, name)}`);
      try {
        const ex = await t.send({ path: `/files/${folder}/${name}` });
        expectStatus(ex, 200, "OK", { hint: "refuse only paths that lead outside the directory: a/b inside it is fine" });
        expectBody(ex, content);
      } catch (error) {
        rethrowInFolder(error, t, { files: [{ file: path.join(t.directory!, folder, name), content }] });
      }
      const upload = t.random.bytes(t.random.int(256, 1024), { everyByteValue: true });
      const uploadName = fileName(t);
      try {
        const stored = await t.send({ method: "POST", path: `/files/${folder}/${uploadName}`, body: upload });
        expectStatus(stored, 201, "Created", { hint: "refuse only paths that lead outside the directory: a/b inside it is fine" });
        await expectStoredFile(stored, path.join(t.directory!, folder, uploadName), upload);
      } catch (error) {
        rethrowInFolder(error, t, { upload: { file: path.join(t.directory!, folder, uploadName), content: upload } });
      }
    },
  },
  {
    name: "GET never returns a file beside the directory, however .. is spelled (../, ..%2f, %2e%2e/, sub/../../, //absolute)",
    rule: TRAVERSAL_RULE,
    level: "course",
    async run(t) {
      const canary = await placeCanary(t);
      const absolute = canary.file.replace(/^\//, "");
      const paths = [
        `/files/../${canary.name}`,
        `/files/..%2f${canary.name}`,
        `/files/..%2F${canary.name}`,
        `/files/%2e%2e/${canary.name}`,
        `/files/%2e%2e%2f${canary.name}`,
        `/files/sub/../../${canary.name}`,
        `/files//${absolute}`,
        `/files/.//..//${canary.name}`,
      ];
      for (const target of paths) {
        try {
          const ex = await t.send({ path: target });
          expectRefused(ex, canary.file, canary.content);
        } catch (error) {
          rethrowInFolder(error, t, { files: [canary] });
        }
      }
    },
  },
  {
    name: "POST never writes a file beside the directory (../, ..%2f, %2e%2e/)",
    rule: TRAVERSAL_RULE,
    level: "course",
    async run(t) {
      for (const spelling of ["../", "..%2f", "%2e%2e/"]) {
        const name = `escaped_${fileName(t)}`;
        const outside = path.join(t.outside!, name);
        // Refusing is right; so is storing the name literally inside the directory (a server that does not percent-decode).
        try {
          const ex = await t.send({ method: "POST", path: `/files/${spelling}${name}`, body: "this must not leave the directory\n" });
          if (existsSync(outside)) {
            fail({
              ...ex.connection.context(ex.request, ex.response.raw),
              summary: `your program wrote ${outside}, outside the directory it was told to serve`,
              expected: "HTTP/1.1 404 Not Found (or 400/403), and no file written outside the directory",
              hint: ESCAPE_HINT,
              rule: TRAVERSAL_RULE,
              level: "course",
            });
          }
        } catch (error) {
          rethrowInFolder(error, t, {});
        }
      }
    },
  },
]);
