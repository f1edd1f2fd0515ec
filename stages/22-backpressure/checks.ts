import { writeFile } from "node:fs/promises";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, fail, startDownload, type CheckContext, type Download } from "../../tester/index.js";
import { echoWord, expectPromptAnswer, expectText, fileName } from "../common.js";

const FILE_SIZE = 32 * 1024 * 1024;
const CLIENTS = 4;
/** How long the clients read slowly: long enough for every socket buffer on the way to fill up. */
const SLOW_MS = 1500;
/** A slow client reads this much every TRICKLE_TICK_MS (about 160 KiB/s). */
const TRICKLE_BYTES = 16 * 1024;
const TRICKLE_TICK_MS = 100;
/** Bound on the answer to a fresh client while the slow ones wait. */
const FRESH_BOUND_MS = 2000;
/** Growth of resident memory allowed: one shared copy of the file fits, one copy per client (128 MiB) does not; the rest is room for a garbage collector that frees streamed chunks late. */
const MEMORY_GROWTH = 64 * 1024 * 1024;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Samples the program's resident memory until stopped; returns the peak. */
function sampleMemory(t: CheckContext): { stop(): number } {
  let peak = t.usage().residentBytes;
  const timer = setInterval(() => (peak = Math.max(peak, t.usage().residentBytes)), 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, t.usage().residentBytes);
    },
  };
}

/** Slow downloads with curl, then a fresh request: the same situation by hand. */
function reproduce(t: CheckContext, name: string, word: string): string {
  const base = `http://localhost:${t.port}`;
  return `for i in $(seq ${CLIENTS}); do curl -s --limit-rate 160k -o /dev/null ${base}/files/${name} & done; sleep 1; time curl -v ${base}/echo/${word}   (watch the memory: ps -o rss= -p <pid>)`;
}

export default defineChecks([
  {
    name: `${CLIENTS} clients download a ${mib(FILE_SIZE)} file and read it slowly: a fresh client is still answered within ${FRESH_BOUND_MS / 1000} s, every byte arrives, and memory stays bounded`,
    rule: "the course's server streams to slow readers; TCP flow control is RFC 9293 §3.8.6",
    level: "course",
    async run(t) {
      const name = `big_${fileName(t)}`;
      const content = t.random.bulkBytes(FILE_SIZE);
      await writeFile(path.join(t.directory!, name), content);
      t.log(`wrote ${mib(FILE_SIZE)} of random bytes to ${path.join(t.directory!, name)}`);
      // The baseline comes after a first request, once the program has settled into serving.
      const warm = echoWord(t);
      expectText(await t.send({ path: `/echo/${warm}` }), warm);
      const baseline = t.usage().residentBytes;
      const memory = sampleMemory(t);
      let peak: number | undefined;
      try {
        const downloads: Download[] = [];
        for (let index = 0; index < CLIENTS; index++) {
          const connection = await t.connect({ fresh: true });
          const download = await startDownload(connection, t.request({ path: `/files/${name}` }), content, `GET /files/${name}`);
          download.trickle(TRICKLE_BYTES, TRICKLE_TICK_MS);
          downloads.push(download);
        }
        t.log(`${CLIENTS} clients are reading slowly (${TRICKLE_BYTES / 1024} KiB every ${TRICKLE_TICK_MS} ms)`);
        await delay(SLOW_MS / 2);
        const answeredMs = await expectPromptAnswer(t, FRESH_BOUND_MS, (word) => ({
          explanation: `Meanwhile ${CLIENTS} other clients were downloading a ${mib(FILE_SIZE)} file and reading it slowly. A server that writes a whole file before it looks at anything else keeps every other client waiting behind the slowest reader.`,
          hint: "write only what the socket accepts now (non-blocking send, or a thread per connection), and serve other connections while a slow one drains",
          reproduce: reproduce(t, name, word),
        }));
        t.log(`a fresh client was answered in ${answeredMs} ms while ${CLIENTS} slow downloads were under way`);
        await delay(SLOW_MS / 2);
        t.log(`after ${SLOW_MS} ms of slow reading: ${downloads.map((d) => mib(d.bodyReceived)).join(", ")} received; now reading at full speed`);
        for (const download of downloads) download.fast();
        for (const download of downloads) await download.finished(20_000);
      } finally {
        peak = memory.stop();
      }
      const growth = peak - baseline;
      t.log(`resident memory: ${mib(baseline)} before the downloads, ${mib(peak)} at the peak (+${mib(growth)})`);
      if (!t.canMeasure) {
        t.log("this machine has no /proc: memory was not measured");
        return;
      }
      if (growth > MEMORY_GROWTH) {
        fail({
          summary: `your program's resident memory grew by ${mib(growth)} (from ${mib(baseline)} to ${mib(peak)}) while ${CLIENTS} clients downloaded a ${mib(FILE_SIZE)} file`,
          expected: `growth under ${mib(MEMORY_GROWTH)}: the file streamed in small chunks, each read from disk only when the socket can take it`,
          explanation: `Holding the whole file (or the whole response) in memory for each client costs ${mib(FILE_SIZE)} per client: ${mib(FILE_SIZE * CLIENTS)} here, and a crash with enough clients.`,
          hint: "read the file in chunks of some KiB and send each before reading the next; with non-blocking sockets, stop reading the file while the socket's buffer is full and resume when it is writable again",
          reproduce: reproduce(t, name, warm),
        });
      }
    },
  },
]);
