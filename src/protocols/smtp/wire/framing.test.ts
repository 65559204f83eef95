// The wire readers together, as a server chains them: command lines, then DATA or a BDAT chunk,
// then commands again from the bytes that followed. SMTP smuggling must never turn message
// content into commands, whatever the split of the input.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkReader } from './bdat.ts';
import { parseCommand, type SmtpCommand } from './command.ts';
import { DataDecoder, type BareLineEndings } from './data.ts';
import { MAX_AUTH_COMMAND_LINE_OCTETS, SmtpLineReader } from './line-reader.ts';
import { formatPath } from './path.ts';
import { bytes, concat, cuts, latin1, oneByteAtATime, splitAt } from './wire.test-support.ts';

function describe(command: SmtpCommand): string {
  switch (command.verb) {
    case 'MAIL':
    case 'RCPT':
      return `${command.verb} ${formatPath(command.path)}`;
    case 'BDAT':
      return `BDAT ${command.size}${command.last ? ' LAST' : ''}`;
    default:
      return command.verb;
  }
}

type Mode =
  | { readonly kind: 'command' }
  | { readonly kind: 'data'; readonly decoder: DataDecoder; readonly body: Uint8Array[] }
  | { readonly kind: 'bdat'; readonly reader: ChunkReader; readonly body: Uint8Array[] };

/** What a server would see: commands, parse errors and messages, in order. */
function serve(parts: readonly Uint8Array[], bareLineEndings: BareLineEndings): string[] {
  const lines = new SmtpLineReader({ maxLineOctets: MAX_AUTH_COMMAND_LINE_OCTETS });
  const queue = [...parts];
  const log: string[] = [];
  let mode: Mode = { kind: 'command' };
  for (let part = queue.shift(); part !== undefined; part = queue.shift()) {
    if (mode.kind === 'data') {
      const { decoder, body } = mode;
      for (const event of decoder.push(part)) {
        if (event.kind === 'chunk') body.push(event.bytes);
        else {
          log.push(`message ${event.outcome} ${JSON.stringify(latin1(concat(body)))}`);
          mode = { kind: 'command' };
          queue.unshift(event.rest);
        }
      }
      continue;
    }
    if (mode.kind === 'bdat') {
      const step = mode.reader.push(part);
      mode.body.push(step.bytes);
      if (step.done) {
        log.push(`chunk ${JSON.stringify(latin1(concat(mode.body)))}`);
        mode = { kind: 'command' };
        queue.unshift(step.rest);
      }
      continue;
    }
    lines.push(part);
    for (let event = lines.next(); event !== undefined; event = lines.next()) {
      if (event.kind !== 'line') {
        log.push(event.kind);
        continue;
      }
      const parsed = parseCommand(event.line, { utf8Permitted: true });
      if (!parsed.ok) {
        log.push(`error ${parsed.error.code}`);
        continue;
      }
      log.push(describe(parsed.value));
      if (parsed.value.verb === 'DATA') {
        mode = { kind: 'data', decoder: new DataDecoder({ maxMessageOctets: 10_000, bareLineEndings }), body: [] };
      } else if (parsed.value.verb === 'BDAT') {
        mode = { kind: 'bdat', reader: new ChunkReader(parsed.value.size), body: [] };
        if (parsed.value.size === 0) {
          log.push('chunk ""');
          mode = { kind: 'command' };
          continue;
        }
      } else continue;
      queue.unshift(lines.takeRemaining());
      break;
    }
  }
  return log;
}

const SMUGGLING = ['\n.\n', '\n.\r\n', '\r.\n', '\r.\r\n', '\r\n.\n', '\r\n.\r', '\r\n\x00.\r\n'];
const ENVELOPE = 'EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n';
const SMUGGLED = 'MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\n\r\nsmuggled\r\n';

function smugglingSession(sequence: string): string {
  return `${ENVELOPE}Subject: hi\r\n\r\nhello${sequence}${SMUGGLED}.\r\nQUIT\r\n`;
}

void test('SMTP smuggling sequences never end the data: the smuggled MAIL is message content', () => {
  for (const sequence of SMUGGLING) {
    for (const mode of ['reject', 'normalize'] as const) {
      const log = serve([bytes(smugglingSession(sequence))], mode);
      assert.deepEqual(log.slice(0, 4), ['EHLO', 'MAIL <a@example.com>', 'RCPT <b@example.com>', 'DATA'], JSON.stringify(sequence));
      assert.equal(log.length, 6, JSON.stringify(log));
      assert.match(log[4] ?? '', sequence === '\r\n\x00.\r\n' || mode === 'normalize' ? /^message ok / : /^message bare-line-ending /);
      assert.equal(log[5], 'QUIT');
      assert.ok(!log.some((entry) => entry.startsWith('MAIL <evil')), JSON.stringify(log));
    }
  }
});

void test('the same sessions fed one byte at a time are framed the same', () => {
  for (const sequence of SMUGGLING) {
    for (const mode of ['reject', 'normalize'] as const) {
      const input = bytes(smugglingSession(sequence));
      assert.deepEqual(serve(oneByteAtATime(input), mode), serve([input], mode), JSON.stringify(sequence));
    }
  }
});

void test('pipelined BDAT chunks are binary and never read as commands (RFC 3030 §2)', () => {
  const chunk = 'a\r\n.\r\nMAIL FROM:<evil@example.com>\r\n';
  const input = bytes(`MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nBDAT ${chunk.length}\r\n${chunk}BDAT 0 LAST\r\nQUIT\r\n`);
  const expected = ['MAIL <a@example.com>', 'RCPT <b@example.com>', `BDAT ${chunk.length}`, `chunk ${JSON.stringify(chunk)}`, 'BDAT 0 LAST', 'chunk ""', 'QUIT'];
  assert.deepEqual(serve([input], 'reject'), expected);
  assert.deepEqual(serve(oneByteAtATime(input), 'reject'), expected);
});

void test('property: any split of a session with smuggling attempts is framed the same', () => {
  fc.assert(
    fc.property(fc.constantFrom(...SMUGGLING), fc.constantFrom<BareLineEndings>('reject', 'normalize'), cuts(300), (sequence, mode, at) => {
      const input = bytes(smugglingSession(sequence));
      assert.deepEqual(serve(splitAt(input, at), mode), serve([input], mode));
    }),
    { numRuns: 500 },
  );
});
