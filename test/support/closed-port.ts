// A loopback URL on which nothing listens (a port just released), for "unreachable server" tests.

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

export async function closedPortUrl(path = '/v1'): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}
