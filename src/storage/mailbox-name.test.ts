import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  HIERARCHY_DELIMITER,
  MAX_MAILBOX_DEPTH,
  MAX_MAILBOX_LEVEL_OCTETS,
  MAX_MAILBOX_NAME_OCTETS,
  isInbox,
  normalizeMailboxName,
} from './mailbox-name.ts';

const octets = (text: string): number => Buffer.byteLength(text, 'utf8');

void describe('normalizeMailboxName: valid names', () => {
  const valid: [string, string][] = [
    ['INBOX', 'INBOX'],
    ['inbox', 'INBOX'],
    ['Inbox', 'INBOX'],
    ['iNbOx', 'INBOX'],
    // Only the first level is INBOX; the rest keeps its case.
    ['inbox/Foo', 'INBOX/Foo'],
    ['Inbox/foo/Bar', 'INBOX/foo/Bar'],
    ['INBOX/inbox', 'INBOX/inbox'],
    ['Foo/inbox', 'Foo/inbox'],
    ['Inboxes', 'Inboxes'],
    ['inboxes/x', 'inboxes/x'],
    ['My Inbox', 'My Inbox'],
    ['INBOX.Foo', 'INBOX.Foo'],
    ['Sent', 'Sent'],
    ['Archive/2024/Q1', 'Archive/2024/Q1'],
    ['Sent Items', 'Sent Items'],
    ['a', 'a'],
    // Stored as given: modified UTF-7 is a wire encoding, not decoded here.
    ['&AC4ALgAv-', '&AC4ALgAv-'],
    ['__proto__', '__proto__'],
    ['constructor/prototype', 'constructor/prototype'],
    ['📬 Mail', '📬 Mail'],
    ['Entwürfe', 'Entwürfe'],
    ['日本語/メール', '日本語/メール'],
    ['.hidden', '.hidden'],
    ['...', '...'],
    ['a.b', 'a.b'],
    ['Foo\\Bar', 'Foo\\Bar'],
    ['"quoted"', '"quoted"'],
    ['[Gmail]/All Mail', '[Gmail]/All Mail'],
    // NFC.
    ['Entwu\u0308rfe', 'Entwürfe'],
  ];
  for (const [input, expected] of valid) {
    void it(`accepts ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(normalizeMailboxName(input), { ok: true, value: expected });
    });
  }
});

void describe('normalizeMailboxName: invalid names', () => {
  const invalid: [string, string][] = [
    ['', 'empty'],
    ['/', 'only the delimiter'],
    ['/Foo', 'leading delimiter'],
    ['Foo/', 'trailing delimiter'],
    ['Foo//Bar', 'empty middle level'],
    ['INBOX/', 'empty child of INBOX'],
    ['.', 'dot level'],
    ['..', 'dot-dot level'],
    ['Foo/..', 'dot-dot child'],
    ['../Foo', 'dot-dot parent'],
    ['Foo/./Bar', 'dot in the middle'],
    ['Foo\0Bar', 'NUL'],
    ['\0', 'only NUL'],
    ['Foo\rBar', 'CR'],
    ['Foo\nBar', 'LF'],
    ['Foo\r\n', 'CRLF'],
    ['Foo\tBar', 'tab'],
    ['Foo\x1bBar', 'escape'],
    ['Foo\x7fBar', 'DEL'],
    ['Foo\u0085Bar', 'C1 NEL'],
    ['Foo\u009fBar', 'C1 control'],
    ['Foo\u2028Bar', 'line separator'],
    ['Foo\u2029Bar', 'paragraph separator'],
    ['*', 'star wildcard'],
    ['%', 'percent wildcard'],
    ['Foo*', 'star in a name'],
    ['Foo/%', 'percent level'],
    ['INBOX/a%b', 'percent in a child'],
    [' Foo', 'leading space'],
    ['Foo ', 'trailing space'],
    ['Foo/ Bar', 'leading space in a child level'],
    ['Foo /Bar', 'trailing space in a parent level'],
    [' ', 'only a space'],
    ['Foo\u00a0', 'trailing no-break space'],
    ['\u3000Foo', 'leading ideographic space'],
  ];
  for (const [input, why] of invalid) {
    void it(`rejects ${JSON.stringify(input)} (${why})`, () => {
      const result = normalizeMailboxName(input);
      assert.equal(result.ok, false, `${why}: accepted as ${result.ok ? JSON.stringify(result.value) : ''}`);
      if (!result.ok) assert.ok(result.error.length > 0);
    });
  }

  // RFC 9051 §5.1: "INBOX" is case-insensitive in the ASCII sense. "ınbox" (dotless i, U+0131)
  // upper-cases to "INBOX" in JavaScript but is a different name and must not alias INBOX.
  void it('does not fold "ınbox" (U+0131) into INBOX', () => {
    const result = normalizeMailboxName('ınbox');
    assert.deepEqual(result, { ok: true, value: 'ınbox' });
    const child = normalizeMailboxName('ınbox/Foo');
    assert.deepEqual(child, { ok: true, value: 'ınbox/Foo' });
  });

  // A lone surrogate has no UTF-8 form (RFC 3629 §3); stored as UTF-8 text it becomes U+FFFD,
  // so two different names would collide (and the name read back differs from the one written).
  for (const input of ['\uD800', 'Foo/\uDC00bar']) {
    void it(`rejects the lone surrogate in ${JSON.stringify(input)}`, () => {
      assert.equal(normalizeMailboxName(input).ok, false);
    });
  }
});

void describe('limits', () => {
  void it('has the documented values', () => {
    assert.equal(HIERARCHY_DELIMITER, '/');
    assert.equal(MAX_MAILBOX_NAME_OCTETS, 1024);
    assert.equal(MAX_MAILBOX_LEVEL_OCTETS, 255);
    assert.equal(MAX_MAILBOX_DEPTH, 32);
  });

  void it('accepts a level of exactly 255 octets and rejects 256', () => {
    assert.ok(normalizeMailboxName('a'.repeat(255)).ok);
    assert.equal(normalizeMailboxName('a'.repeat(256)).ok, false);
    assert.ok(normalizeMailboxName(`INBOX/${'a'.repeat(255)}`).ok);
    assert.equal(normalizeMailboxName(`INBOX/${'a'.repeat(256)}/b`).ok, false);
  });

  void it('counts octets, not characters, in a level', () => {
    const level255 = `${'é'.repeat(127)}a`;
    assert.equal(octets(level255), 255);
    assert.ok(normalizeMailboxName(level255).ok);
    assert.equal(normalizeMailboxName('é'.repeat(128)).ok, false);
  });

  void it('accepts a name of exactly 1024 octets and rejects 1025', () => {
    const levels = ['a'.repeat(200), 'b'.repeat(200), 'c'.repeat(200), 'd'.repeat(200), 'e'.repeat(220)];
    const at1024 = levels.join('/');
    assert.equal(octets(at1024), 1024);
    assert.deepEqual(normalizeMailboxName(at1024), { ok: true, value: at1024 });
    const at1025 = `${at1024}x`;
    assert.equal(normalizeMailboxName(at1025).ok, false);
  });

  void it('measures the name after NFC normalization', () => {
    // Four levels of 127 × "ü" (254 octets each), one of 2 × "ü" and 4 delimiters: 1024 octets
    // in NFC, 1535 as typed (u + U+0308 is 3 octets).
    const composed = ['ü'.repeat(127), 'ü'.repeat(127), 'ü'.repeat(127), 'ü'.repeat(127), 'ü'.repeat(2)].join('/');
    assert.equal(octets(composed), 1024);
    const decomposed = composed.normalize('NFD');
    assert.ok(octets(decomposed) > 1024);
    assert.deepEqual(normalizeMailboxName(decomposed), { ok: true, value: composed });
  });

  void it('accepts 32 levels and rejects 33', () => {
    const at32 = Array.from({ length: 32 }, (_, i) => `L${i}`).join('/');
    assert.deepEqual(normalizeMailboxName(at32), { ok: true, value: at32 });
    const at33 = `${at32}/x`;
    assert.equal(normalizeMailboxName(at33).ok, false);
  });
});

void describe('isInbox', () => {
  void it('is true only for the canonical name', () => {
    assert.equal(isInbox('INBOX'), true);
    assert.equal(isInbox('inbox'), false);
    assert.equal(isInbox('INBOX/Foo'), false);
  });
});

const levelArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom('inbox', 'INBOX', 'Inbox', 'ınbox', 'Inboxes', '.', '..', ' x', 'x ', '&AC4-', '__proto__', 'u\u0308', '📬') },
);
const nameArb = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(levelArb, { minLength: 1, maxLength: 5 }).map((levels) => levels.join(HIERARCHY_DELIMITER)),
);

void describe('properties', () => {
  void it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(nameArb, fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)) })), (input) => {
        const result = normalizeMailboxName(input);
        if (result.ok) assert.equal(typeof result.value, 'string');
        else assert.equal(typeof result.error, 'string');
      }),
      { numRuns: 2000 },
    );
  });

  void it('accepted names are fixed points and keep the invariants', () => {
    let accepted = 0;
    fc.assert(
      fc.property(nameArb, (input) => {
        const first = normalizeMailboxName(input);
        if (!first.ok) return;
        accepted++;
        assert.deepEqual(normalizeMailboxName(first.value), first);
        const name = first.value;
        assert.equal(name, name.normalize('NFC'));
        assert.ok(octets(name) <= MAX_MAILBOX_NAME_OCTETS);
        const levels = name.split(HIERARCHY_DELIMITER);
        assert.ok(levels.length <= MAX_MAILBOX_DEPTH);
        for (const level of levels) {
          assert.ok(level !== '' && level !== '.' && level !== '..');
          assert.ok(octets(level) <= MAX_MAILBOX_LEVEL_OCTETS);
        }
        assert.doesNotMatch(name, /[\u0000-\u001f\u007f*%]/);
        // The first level is "INBOX" exactly when the input's first level was INBOX in any case.
        const firstLevel = input.normalize('NFC').split(HIERARCHY_DELIMITER)[0] ?? '';
        assert.equal(levels[0] === 'INBOX', /^inbox$/i.test(firstLevel), `first level ${JSON.stringify(firstLevel)} became ${JSON.stringify(levels[0])}`);
      }),
      { numRuns: 2000 },
    );
    assert.ok(accepted > 0, 'the generator produced no valid name');
  });
});
