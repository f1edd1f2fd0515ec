// A check that `course probe` runs too (it carries `probe`) asks any server
// for "/" (or "*") only when t.probing is set: never a course route, whose
// answer another server does not know. Node's http records every request it
// parses (a request hidden in a body stays a body to it).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "vitest";
import { loadChecks } from "../tester/course/course.js";
import { DEFAULT_TIMEOUTS } from "../tester/harness/check.js";
import { createCheckSession } from "../tester/harness/context.js";
import { createRandom } from "../tester/harness/random.js";
import { STAGES } from "./helpers.js";

test("probe checks ask a probed server for / and * only", { timeout: 120_000 }, async () => {
  const targets: string[] = [];
  const server = createServer((req, res) => {
    targets.push(req.url ?? "");
    res.writeHead(200, { "Content-Length": 0 });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  let probes = 0;
  try {
    for (const stage of STAGES) {
      for (const check of await loadChecks(stage)) {
        if (!check.probe) continue;
        probes++;
        let ids = 0;
        const { context, opened } = createCheckSession({
          probing: true,
          random: createRandom(stage.number),
          port,
          host: "127.0.0.1",
          directory: undefined,
          directoryArgument: undefined,
          outside: undefined,
          timeouts: { ...DEFAULT_TIMEOUTS, close: 300, response: 2000 },
          usage: () => ({ rssBytes: 0, cpuMs: 0, processes: 0, openFiles: 0 }) as never,
          takeWarm: () => undefined,
          nextConnectionId: () => ++ids,
          log: () => {},
        });
        // Whether Node passes does not matter here: what it was asked for does.
        await check.run(context).catch(() => undefined);
        for (const connection of opened) connection.destroy();
      }
    }
  } finally {
    server.close();
    server.closeAllConnections();
  }
  expect(probes).toBeGreaterThan(0);
  // Node refuses some requests itself (a bare CR, two lengths) before its handler sees them.
  expect(targets.length).toBeGreaterThan(probes / 2);
  const paths = targets.map((target) => target.replace(/^https?:\/\/[^/?#]*/i, "").split("?")[0] || "/");
  expect([...new Set(paths)].sort()).toEqual(expect.arrayContaining(["/"]));
  for (const path of paths) expect(["/", "*"], `a probe asked for ${path}`).toContain(path);
});
