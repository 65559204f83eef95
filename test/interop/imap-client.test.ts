// The test IMAP client: response parsing as a table, the same responses delivered one octet at a
// time by a scripted loopback server, synchronizing and binary literals, continuation requests,
// IDLE, and responses that cannot be parsed (kept raw, never thrown on).

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { ImapClient, fetchItems, parseResponse } from '../helpers/imap-client.ts';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

test('parseResponse: status, data, literals, section atoms, malformed', () => {
  const ok = parseResponse(bytes('A1 OK [APPENDUID 38505 3955] APPEND completed\r\n'));
  assert.deepEqual([ok.tag, ok.status, ok.code, ok.text], ['A1', 'OK', ['APPENDUID', 38505, 3955], 'APPEND completed']);
  const plus = parseResponse(bytes('+ idling\r\n'));
  assert.deepEqual([plus.tag, plus.text], ['+', 'idling']);
  const fetch = parseResponse(bytes('* 12 FETCH (FLAGS (\\Seen) BODY[HEADER.FIELDS (FROM SUBJECT)]<0> {5}\r\nab\r\nc BINARY[1] ~{2}\r\n\x00\x01 X "q\\"s" Y 123)\r\n'));
  const items = fetchItems(fetch);
  assert.equal(items?.seq, 12);
  assert.deepEqual(items?.items.get('FLAGS'), ['\\Seen']);
  assert.deepEqual(items?.items.get('BODY[HEADER.FIELDS (FROM SUBJECT)]<0>'), bytes('ab\r\nc'));
  assert.deepEqual(items?.items.get('BINARY[1]'), new Uint8Array([0, 1]));
  assert.deepEqual(items?.items.get('X'), 'q"s');
  assert.equal(items?.items.get('Y'), 123);
  const bad = parseResponse(bytes('* 1 FETCH (BODY[] {99}\r\nshort)\r\n'));
  assert.ok(bad.error);
  const unbalanced = parseResponse(bytes('* LIST (\\Noselect "/" x\r\n'));
  assert.ok(unbalanced.error);
});

/** A loopback server that answers each client line from a script, one octet at a time. */
async function scriptedServer(script: (line: string, socket: Socket) => string | undefined): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    const send = async (text: string) => {
      for (const octet of Buffer.from(text, 'latin1')) {
        socket.write(Buffer.from([octet]));
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    void send('* OK [CAPABILITY IMAP4rev1 BINARY] ready\r\n');
    let buffer = '';
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (let lf = buffer.indexOf('\n'); lf >= 0; lf = buffer.indexOf('\n')) {
        const line = buffer.slice(0, lf + 1);
        buffer = buffer.slice(lf + 1);
        const answer = script(line, socket);
        if (answer !== undefined) chain = chain.then(() => send(answer));
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

test('client over a socket: octet-at-a-time responses, literals both ways, IDLE', async () => {
  const appended: string[] = [];
  const { server, port } = await scriptedServer((line) => {
    if (/^A\d+ LOGIN /.test(line)) return `${line.split(' ')[0]} OK logged in\r\n`;
    if (/APPEND "INBOX" \{11\}/.test(line)) return '+ go ahead\r\n';
    if (line.startsWith('hello world')) {
      appended.push(line);
      return 'A0002 OK [APPENDUID 1 7] done\r\n';
    }
    if (/^A\d+ FETCH/.test(line)) return `* 1 FETCH (BODY[] {7}\r\nab\r\ncd\r UID 7)\r\n${line.split(' ')[0]} OK done\r\n`;
    if (/^A\d+ IDLE/.test(line)) return '+ idling\r\n* 2 EXISTS\r\n';
    if (line === 'DONE\r\n') return 'A0004 OK idle done\r\n';
    if (/^A\d+ LOGOUT/.test(line)) return `* BYE\r\n${line.split(' ')[0]} OK bye\r\n`;
    return undefined;
  });
  try {
    const client = await ImapClient.connect(port);
    assert.deepEqual(client.greeting?.code, ['CAPABILITY', 'IMAP4rev1', 'BINARY']);
    await client.login('user', 'pass word');
    const append = await client.append('INBOX', bytes('hello world'));
    assert.deepEqual(append.tagged.code, ['APPENDUID', 1, 7]);
    assert.deepEqual(appended, ['hello world\r\n']);
    const fetched = await client.fetch('1', '(BODY[] UID)');
    assert.deepEqual(fetched.get(1)?.get('BODY[]'), bytes('ab\r\ncd\r'));
    assert.equal(fetched.get(1)?.get('UID'), 7);
    const idle = await client.idle();
    const exists = await idle.next();
    assert.deepEqual(exists.values, [2, 'EXISTS']);
    assert.equal((await idle.done()).status, 'OK');
    await client.logout();
    assert.equal(client.closed, true);
  } finally {
    server.close();
  }
});

test('client: a refused synchronizing literal resolves with the tagged answer', async () => {
  const { server, port } = await scriptedServer((line) => (/APPEND/.test(line) ? `${line.split(' ')[0]} NO [TOOBIG] too big\r\n` : undefined));
  try {
    const client = await ImapClient.connect(port);
    const result = await client.append('INBOX', bytes('x'.repeat(50)));
    assert.equal(result.status, 'NO');
    assert.deepEqual(result.tagged.code, ['TOOBIG']);
    client.close();
  } finally {
    server.close();
  }
});
