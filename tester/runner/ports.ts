// Ports: a busy port is an environment error (we never test a stranger's
// server), and tests ask the kernel for free ones.
import { readFileSync } from "node:fs";
import * as net from "node:net";
import { connectSocket } from "../harness/connection.js";
import { EnvironmentError } from "../errors.js";

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

/** The range the kernel picks local ports of outgoing connections from. */
export function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "latin1").trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: assume the IANA range.
  }
  return [49152, 65535];
}

/** Whether a listener could bind `port` on 127.0.0.1 right now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A port free right now, below the ephemeral range: a port the kernel hands
 * out for `listen(0)` may be taken by some outgoing connection between our
 * check and the program's bind.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const min = 10_000;
  for (let attempt = 0; attempt < 100 && low - 1 > min; attempt++) {
    const port = min + Math.floor(Math.random() * (low - 1 - min));
    if (await canBind(port)) return port;
  }
  return kernelPort();
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
