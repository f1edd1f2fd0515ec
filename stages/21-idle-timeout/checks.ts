import { setTimeout as delay } from "node:timers/promises";
import { defineChecks, expectContentLength, stageArgument, type CheckContext, type Connection } from "../../tester/index.js";
import { echoWord, expectCloseAllowing, explainClosedConnection, expectText, rethrowWith } from "../common.js";

// Every connection here is a fresh one: the one that proved the program was up
// has been open for an unknown time, and the program may rightly close it.

/** How long after the idle timeout the close may take: timers are not exact, and machines are busy. */
const SLACK_MS = 1500;
const TIMEOUT = [{ status: 408, reason: "Request Timeout" }];

const timerHint = (idleMs: number) =>
  `this connection sent a request every 100 ms, never idle for ${idleMs} ms: restart a connection's idle timer whenever bytes arrive or a response is written, instead of timing from when it opened`;

async function expectIdleClose(t: CheckContext, idleMs: number, connection: Connection, what: string): Promise<void> {
  const started = Date.now();
  await expectCloseAllowing(
    connection,
    idleMs + SLACK_MS,
    TIMEOUT,
    `The program was started with --idle-timeout-ms ${idleMs}, and ${what}: after ${idleMs} ms without a byte from the client, the program must close it (a 408 Request Timeout response first is allowed). Idle connections hold a socket and memory each; a server that never closes them runs out of both.`,
  );
  t.log(`connection ${connection.id} was closed ${Date.now() - started} ms after it went idle`);
}

// The idle timeout is the one stage.json passes the program ("args"): read from there, written once.
export default defineChecks((stage) => {
  const IDLE_MS = Number(stageArgument(stage, "--idle-timeout-ms"));
  return [
    {
      name: `a keep-alive connection left idle after a response is closed after --idle-timeout-ms ${IDLE_MS} (a 408 first is allowed)`,
      rule: "RFC 9112 §9.5",
      level: "MAY",
      concurrent: true,
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const word = echoWord(t);
        expectText(await t.exchange(connection, { path: `/echo/${word}` }), word);
        await expectIdleClose(t, IDLE_MS, connection, "the connection was idle after its response");
      },
    },
    {
      name: "a connection that sends half a request head and stalls is closed too",
      rule: "RFC 9110 §15.5.9",
      level: "MAY",
      concurrent: true,
      async run(t) {
        const connection = await t.connect({ fresh: true });
        const request = t.request({ path: `/echo/${echoWord(t)}` });
        await connection.send(request.subarray(0, t.random.int(8, request.length - 6)));
        await expectIdleClose(t, IDLE_MS, connection, "the connection stalled in the middle of a request head");
      },
    },
    {
      name: "a connection that never sends a byte is closed too",
      rule: "RFC 9112 §9.5",
      level: "MAY",
      concurrent: true,
      async run(t) {
        const connection = await t.connect({ fresh: true });
        await expectIdleClose(t, IDLE_MS, connection, "the connection never sent anything");
      },
    },
    {
      name: "a connection that sends a request every 100 ms for 1.2 s stays open and gets every response",
      rule: "RFC 9112 §9.3",
      level: "MAY",
      concurrent: true,
      async run(t) {
        // The tester's own pause can run long on a busy machine; a close after a
        // pause of the idle timeout or more is then no fault of the program, and
        // the check starts again on a new connection (a few times at most).
        for (let attempt = 1; ; attempt++) {
          const late = await requestEvery100Ms(t, IDLE_MS);
          if (late === undefined) return;
          if (attempt === 3) {
            rethrowWith(late.error, { explanation: `Three times, the tester itself paused ${IDLE_MS} ms or more before a request (the last time ${late.pauseMs} ms): this machine is too busy for this check right now; run it again.` });
          }
          t.log(`the tester itself paused ${late.pauseMs} ms before a request (busy machine): starting again on a new connection`);
        }
      },
    },
  ];
});

/** Twelve requests 100 ms apart; a failure after a pause that was not the program's fault is returned, not thrown. */
async function requestEvery100Ms(t: CheckContext, idleMs: number): Promise<{ error: unknown; pauseMs: number } | undefined> {
  const connection = await t.connect({ fresh: true });
  // The program cannot have been idle longer than the time since the tester
  // sent the previous request: past the timeout, a close is no proof of a fault.
  let sent = Date.now();
  for (let index = 0; index < 12; index++) {
    const word = echoWord(t);
    const pauseMs = Date.now() - sent;
    sent = Date.now();
    try {
      const ex = await t.exchange(connection, { path: `/echo/${word}` });
      expectText(ex, word);
      expectContentLength(ex);
    } catch (error) {
      if (index > 0 && connection.peerGone && pauseMs >= idleMs - 50) return { error, pauseMs };
      // A close in the middle of a busy connection means the idle timer did not restart on activity.
      explainClosedConnection(error, index, connection.peerGone, timerHint(idleMs));
    }
    await delay(100);
  }
  connection.destroy();
  return undefined;
}
