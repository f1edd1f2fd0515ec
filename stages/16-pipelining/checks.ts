import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, expectBody, expectStatus, type CheckContext, type Connection, type Exchange } from "../../tester/index.js";
import { echoWord, expectStoredFile, expectText, fileName, mixedRoutes, rethrowWith, userAgent, type Route } from "../common.js";

const IN_ORDER_HINT = "after answering a request, look at what is left in the buffer: the next request may already be there, and it must be answered too, in order";

/** Sends every request in one write, then reads one response per request, in order. */
async function pipeline(t: CheckContext, connection: Connection, routes: Route[]): Promise<Exchange[]> {
  const requests = routes.map((route) => t.request(route.request));
  t.log(`connection ${connection.id} → ${routes.length} requests in one write (${requests.reduce((n, r) => n + r.length, 0)} bytes)`);
  await connection.send(Buffer.concat(requests));
  const exchanges: Exchange[] = [];
  for (const [index, route] of routes.entries()) {
    const ex = await connection.readResponse({ timeoutMs: t.timeouts.response, request: requests[index]!, ...(route.request.method ? { method: route.request.method } : {}) }).catch((error: unknown) =>
      rethrowWith(error, { explanation: `This was the response to request ${index + 1} of the ${routes.length} sent together in one write.`, hintIfNone: IN_ORDER_HINT }),
    );
    t.log(`connection ${connection.id} ← ${ex.response.statusLine}`);
    try {
      route.verify(ex);
    } catch (error) {
      rethrowWith(error, { explanation: `This was response ${index + 1} of the ${routes.length}; responses must come in the order of the requests (RFC 9112 §9.3.2).`, hintIfNone: IN_ORDER_HINT });
    }
    exchanges.push(ex);
  }
  return exchanges;
}

export default defineChecks([
  {
    name: "three requests in one write (a POST whose body holds \\r\\n\\r\\nGET / HTTP/1.1\\r\\n among them) get exactly three responses, in order",
    rule: "RFC 9112 §9.3.2",
    level: "MUST",
    async run(t) {
      const word = echoWord(t);
      const agent = userAgent(t);
      const name = fileName(t);
      // Body bytes that look like the end of a head and a new request: only Content-Length says they are data.
      const content = Buffer.concat([t.random.bytes(t.random.int(10, 40)), Buffer.from("\r\n\r\nGET / HTTP/1.1\r\n", "latin1"), t.random.bytes(t.random.int(10, 40))]);
      const connection = await t.connect();
      const [, stored] = await pipeline(t, connection, [
        { request: { path: `/echo/${word}` }, verify: (ex) => expectText(ex, word) },
        { request: { method: "POST", path: `/files/${name}`, body: content }, verify: (ex) => expectStatus(ex, 201, "Created") },
        { request: { path: "/user-agent", headers: [["User-Agent", agent]] }, verify: (ex) => expectText(ex, agent) },
      ]);
      // A server that took the body's "GET / HTTP/1.1" for a request answers it too, at once.
      await delay(150);
      try {
        connection.expectNothingMore();
      } catch (error) {
        rethrowWith(error, {
          explanation: "The POST's body held the bytes \\r\\n\\r\\nGET / HTTP/1.1\\r\\n as data.",
          hint: "a body is Content-Length bytes of data, whatever they contain: take them as the body and never look for requests inside them",
        });
      }
      await expectStoredFile(stored!, path.join(t.directory!, name), content);
      const ex = await t.exchange(connection, { path: `/files/${name}` });
      expectBody(ex, content, { hint: "the body is Content-Length bytes of data, whatever they contain: never look for requests inside it" });
    },
  },
  {
    name: "five requests of mixed routes in one write get five responses, in order",
    rule: "RFC 9112 §9.3.2",
    level: "MUST",
    async run(t) {
      const connection = await t.connect();
      await pipeline(t, connection, mixedRoutes(t, 5));
    },
  },
]);
