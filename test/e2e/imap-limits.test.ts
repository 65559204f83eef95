// IMAP connection limits over real sockets: past `imap.max_connections` in all, a new client
// gets an untagged BYE [UNAVAILABLE] at once (RFC 9051 §7.1.5, RFC 5530) instead of a session
// the process cannot afford; a closed session frees its place.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startMailServer, type MailServer } from '../helpers/mail-server.ts';

/** Connects and returns the socket with the first line the server sent. */
async function greet(port: number): Promise<{ socket: Socket; line: string }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  while (!text.includes('\r\n')) {
    const [chunk] = (await Promise.race([once(socket, 'data'), once(socket, 'end').then(() => [''])])) as [string];
    if (chunk === '') break;
    text += chunk;
  }
  return { socket, line: text.split('\r\n')[0] ?? '' };
}

describe('imap: connection limits', () => {
  let server: MailServer;

  before(async () => {
    server = await startMailServer(['example.com'], [], { POSTWARDEN_IMAP_MAX_CONNECTIONS: '2' });
  });
  after(() => server.close());

  it('refuses connections past the total with BYE [UNAVAILABLE], and takes one again after a close', async () => {
    const port = server.port('imap');
    const first = await greet(port);
    const second = await greet(port);
    assert.match(first.line, /^\* OK /);
    assert.match(second.line, /^\* OK /);
    const third = await greet(port);
    assert.equal(third.line, '* BYE [UNAVAILABLE] Too many connections to this server; try again later');
    third.socket.destroy();
    first.socket.destroy();
    await once(first.socket, 'close');
    let again = await greet(port);
    // The server may see the close a moment after the client: the limit is checked on accept.
    for (let tries = 0; !again.line.startsWith('* OK') && tries < 50; tries++) {
      again.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      again = await greet(port);
    }
    assert.match(again.line, /^\* OK /);
    again.socket.destroy();
    second.socket.destroy();
  });
});
