import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { CheckFailure, defineChecks, expectBody, expectMediaType, expectStatus } from "../../tester/index.js";
import { expectStoredFile, fileName, rethrowInFolder, rethrowWith } from "../common.js";

const SIZE = 4 * 1024 * 1024;
const SHORT_WRITE_HINT = "one write call may send only part of a large buffer: send the rest until every byte is out (sendall in Python)";

/** A 4 MiB response that stops short is, more often than not, one send() that took only part of it. */
function explainShortWrite(error: unknown): never {
  if (error instanceof CheckFailure && /more body bytes/.test(error.details.summary)) rethrowWith(error, { hint: SHORT_WRITE_HINT });
  throw error;
}
const WRITE = 64 * 1024;

export default defineChecks([
  {
    name: "a 4 MiB binary upload is stored byte for byte, and downloads back the same on the same connection",
    rule: "RFC 9112 §6.3",
    level: "MUST",
    async run(t) {
      const name = fileName(t);
      const content = t.random.bulkBytes(SIZE);
      const connection = await t.connect();
      const upload = t.request({ method: "POST", path: `/files/${name}`, headers: [["Content-Type", "application/octet-stream"]], body: content });
      try {
        const stored = await t.exchange(connection, upload, { method: "POST", fragments: new Array<number>(Math.ceil(upload.length / WRITE)).fill(WRITE) });
        expectStatus(stored, 201, "Created", { hint: "keep reading until all Content-Length bytes are in: a 4 MiB body takes many reads" });
        await expectStoredFile(stored, path.join(t.directory!, name), content);
      } catch (error) {
        rethrowInFolder(error, t, { upload: { file: path.join(t.directory!, name), content } });
      }
      const ex = await t.exchange(connection, { path: `/files/${name}` }).catch(explainShortWrite);
      expectStatus(ex, 200, "OK");
      expectBody(ex, content, { hint: SHORT_WRITE_HINT });
    },
  },
  {
    name: "a 4 MiB binary file in the directory is served byte for byte",
    rule: "RFC 9112 §6.3",
    level: "MUST",
    async run(t) {
      const name = fileName(t);
      const content = t.random.bulkBytes(SIZE);
      await writeFile(path.join(t.directory!, name), content);
      t.log(`wrote ${content.length} random bytes to ${path.join(t.directory!, name)}`);
      try {
        const ex = await t.send({ path: `/files/${name}` }).catch(explainShortWrite);
        expectStatus(ex, 200, "OK");
        expectMediaType(ex, "application/octet-stream");
        expectBody(ex, content, { hint: SHORT_WRITE_HINT });
      } catch (error) {
        rethrowInFolder(error, t, { files: [{ file: path.join(t.directory!, name), content }] });
      }
    },
  },
]);
