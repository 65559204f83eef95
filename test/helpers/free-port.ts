// A TCP port free on 127.0.0.1 right now, for peers the tests start themselves (Dovecot, sinks)
// that need a port number before they listen. Another process could take it in between; on
// loopback in a test run that does not happen in practice.

import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
