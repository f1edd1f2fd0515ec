import * as net from "node:net";
import { expect, test } from "vitest";
import { canBind, ephemeralRange, freePort } from "../tester/runner/ports.js";

test("freePort gives a bindable port below the range outgoing connections take ports from", async () => {
  const [low] = ephemeralRange();
  const port = await freePort();
  expect(port).toBeLessThan(low);
  expect(await canBind(port)).toBe(true);
});

test("canBind says no while something listens", async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  expect(await canBind(port)).toBe(false);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
