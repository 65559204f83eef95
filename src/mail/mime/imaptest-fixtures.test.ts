// The imaptest scripts of Dovecot's test suite (../shared/imaptest/tests/fetch-*, read at test
// time, not copied) as tables: each mbox message goes through the message model and every FETCH
// item a script expects (BODYSTRUCTURE, BODY, ENVELOPE, BODY[...], BINARY[...], BINARY.SIZE) is
// compared with what the model computes, case-insensitively as imaptest compares.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseValues } from '../../../test/helpers/imap-client.ts';
import { binarySection, binarySize, bodyStructure, envelope, indexMessage, section } from './mime.ts';
import type { ImapValue, SectionSpec } from './types.ts';

const TESTS = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'imaptest', 'tests');
const SCRIPTS = ['fetch-body', 'fetch-body-mime', 'fetch-body-message-rfc822', 'fetch-body-message-rfc822-mime', 'fetch-body-message-rfc822-x2', 'fetch-binary-mime', 'fetch-binary-mime-base64', 'fetch-binary-mime-qp', 'fetch-bodystructure', 'fetch-envelope'];

/** mbox messages (From_ lines split them), LF line ends turned into CRLF as imaptest appends them. */
export function mboxMessages(text: string): Uint8Array[] {
  const messages: string[] = [];
  for (const chunk of text.split(/^From [^\n]*\n/m).slice(1)) messages.push(chunk);
  return messages.map((message) => new Uint8Array(Buffer.from(message.replace(/\r?\n/g, '\r\n'), 'latin1')));
}

interface Expectation {
  readonly seq: number;
  readonly items: readonly ImapValue[];
}

/** The "* n fetch (...)" lines a script expects ({{{ ... }}} blocks are literals). */
function expectations(script: string): Expectation[] {
  const out: Expectation[] = [];
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!/^\* \d+ fetch /i.test(line)) continue;
    let text = line;
    while ((text.match(/\{\{\{/g)?.length ?? 0) > (text.match(/\}\}\}/g)?.length ?? 0) && i + 1 < lines.length) text += `\n${lines[++i] ?? ''}`;
    // {{{\nA\nB\n}}} is the literal "A\r\nB" (the last line end belongs to the script); a binary
    // ~{{{ literal keeps its octets as written.
    const wire = text.replace(/(~?)\{\{\{\n([\s\S]*?)\n?\}\}\}/g, (_all, tilde: string, body: string) => {
      const value = tilde === '~' ? body : body.replace(/\r?\n/g, '\r\n');
      return `${tilde}{${Buffer.byteLength(value, 'latin1')}}\r\n${value}`;
    });
    const parsed = parseValues(new Uint8Array(Buffer.from(wire, 'latin1')), 2);
    const [seq, , list] = parsed.values;
    if (typeof seq === 'number' && Array.isArray(list)) out.push({ seq, items: list as ImapValue[] });
  }
  return out;
}

/** "BODY[1.HEADER.FIELDS (A B)]<5>" -> section spec, partial offset. */
function parseItem(name: string): { kind: string; spec: SectionSpec; offset?: number } {
  const match = /^([A-Z.0-9]+)(?:\[([^\]]*)\])?(?:<(\d+)>)?$/i.exec(name);
  assert.ok(match, `item ${name}`);
  const inner = match[2] ?? '';
  const fields = /\(([^)]*)\)/.exec(inner)?.[1]?.split(/\s+/).filter((f) => f !== '');
  const head = inner.replace(/\s*\(.*\)/, '');
  const part: number[] = [];
  let text: string | undefined;
  for (const piece of head === '' ? [] : head.split('.')) {
    if (/^\d+$/.test(piece) && text === undefined) part.push(Number(piece));
    else text = text === undefined ? piece.toUpperCase() : `${text}.${piece.toUpperCase()}`;
  }
  const spec = { part, ...(text ? { text: text as SectionSpec['text'] & string } : {}), ...(fields ? { fields } : {}) } as SectionSpec;
  return { kind: (match[1] ?? '').toUpperCase(), spec, ...(match[3] !== undefined ? { offset: Number(match[3]) } : {}) };
}

/** imaptest compares strings case-insensitively and treats quoted strings and literals alike. */
function sameIgnoringCase(a: ImapValue, b: ImapValue): boolean {
  if (a === null || b === null || typeof a === 'number' || typeof b === 'number') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return (a as ImapValue[]).every((item, i) => sameIgnoringCase(item, (b as ImapValue[])[i] ?? null));
  }
  const text = (v: string | Uint8Array) => (typeof v === 'string' ? v : Buffer.from(v).toString('latin1')).toLowerCase();
  return text(a as string | Uint8Array) === text(b as string | Uint8Array);
}

function isVariable(value: ImapValue): boolean {
  return typeof value === 'string' && value.startsWith('$');
}

for (const name of SCRIPTS) {
  test(`imaptest ${name}: the model answers what Dovecot answers`, { skip: !existsSync(join(TESTS, name)) && 'imaptest data not found beside the repository' }, () => {
    const messages = mboxMessages(readFileSync(join(TESTS, `${name}.mbox`), 'latin1'));
    const script = readFileSync(join(TESTS, name), 'latin1');
    let checked = 0;
    for (const { seq, items } of expectations(script)) {
      const raw = messages[seq - 1];
      assert.ok(raw, `${name}: message ${seq}`);
      const index = indexMessage(raw);
      for (let i = 0; i + 1 < items.length; i += 2) {
        const itemName = String(items[i]);
        const expected = items[i + 1] ?? null;
        if (isVariable(expected)) continue;
        const item = parseItem(itemName);
        let ours: ImapValue;
        if (item.kind === 'BODYSTRUCTURE') ours = bodyStructure(raw, index, { extensible: true });
        else if (item.kind === 'BODY' && !itemName.includes('[')) ours = bodyStructure(raw, index, { extensible: false });
        else if (item.kind === 'ENVELOPE') ours = envelope(raw, index);
        else if (item.kind === 'FLAGS' || item.kind === 'UID') continue;
        else if (item.kind === 'RFC822.TEXT') ours = section(raw, index, { part: [], text: 'TEXT' });
        else if (item.kind === 'BODY') ours = section(raw, index, item.spec, item.offset === undefined ? undefined : { offset: item.offset, length: Buffer.from(expected as Uint8Array | string).length });
        else if (item.kind === 'BINARY') {
          const result = binarySection(raw, index, item.spec.part);
          assert.ok(result.ok, `${name} ${itemName}`);
          ours = item.offset === undefined ? result.bytes : result.bytes.subarray(item.offset, item.offset + Buffer.from(expected as Uint8Array | string).length);
        } else if (item.kind === 'BINARY.SIZE') {
          const result = binarySize(raw, index, item.spec.part);
          assert.ok(result.ok, `${name} ${itemName}`);
          ours = result.size;
        } else continue;
        assert.ok(sameIgnoringCase(ours, expected), `${name} message ${seq} ${itemName}:\n ours:     ${JSON.stringify(ours instanceof Uint8Array ? Buffer.from(ours).toString('latin1') : ours)}\n expected: ${JSON.stringify(expected instanceof Uint8Array ? Buffer.from(expected).toString('latin1') : expected)}`);
        checked++;
      }
    }
    assert.ok(checked > 0, `${name}: nothing checked`);
  });
}
