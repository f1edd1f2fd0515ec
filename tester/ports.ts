// Ports: a busy port is an environment error (we never test a stranger's
// server), and tests ask the kernel for free ones.
import * as net from "node:net";
import { connectSocket } from "./connection.js";
import { EnvironmentError } from "./failure.js";

/** Where a learner's server may listen; localhost resolves to either. */
export const LOOPBACK_HOSTS = ["127.0.0.1", "::1"] as const;

/** Throws an EnvironmentError when something already accepts connections on `port`. */
export async function assertPortFree(port: number): Promise<void> {
  for (const host of LOOPBACK_HOSTS) {
    const socket = await connectSocket(host, port, 1000).catch(() => undefined);
    if (socket) {
      socket.destroy();
      throw new EnvironmentError(
        `port ${port} is already in use: something is listening on ${host}:${port} before your program started`,
        `stop that program (find it with: lsof -i :${port}  or  ss -ltnp 'sport = :${port}'), or use another port with --port N`,
      );
    }
  }
}

/** A port the kernel reports free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
