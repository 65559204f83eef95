import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SYSTEM_FLAGS } from './api.ts';
import {
  DELETED_BIT,
  FLAG_BITS,
  MAX_KEYWORDS_PER_MESSAGE,
  MAX_KEYWORD_LENGTH,
  SEEN_BIT,
  applyFlagChange,
  decodeKeywords,
  encodeKeywords,
  flagNames,
  parseFlags,
  sameFlags,
  type StoredFlags, withinKeywordLimit } from './flags.ts';

const ALL_SYSTEM_BITS = 1 | 2 | 4 | 8 | 16;
const keywords = (count: number, prefix = 'k'): string[] => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

void describe('flag bits', () => {
  void it('gives each system flag its own bit', () => {
    assert.deepEqual(FLAG_BITS, { '\\Seen': 1, '\\Answered': 2, '\\Flagged': 4, '\\Deleted': 8, '\\Draft': 16 });
    assert.equal(SEEN_BIT, 1);
    assert.equal(DELETED_BIT, 8);
  });

  void it('has the documented limits', () => {
    assert.equal(MAX_KEYWORD_LENGTH, 128);
    assert.equal(MAX_KEYWORDS_PER_MESSAGE, 64);
  });
});

void describe('parseFlags: valid flag lists', () => {
  const valid: [string[], StoredFlags][] = [
    [[], { bits: 0, keywords: [] }],
    [['\\Seen'], { bits: 1, keywords: [] }],
    [['\\seen'], { bits: 1, keywords: [] }],
    [['\\SEEN'], { bits: 1, keywords: [] }],
    [['\\sEeN'], { bits: 1, keywords: [] }],
    [['\\Answered'], { bits: 2, keywords: [] }],
    [['\\flagged'], { bits: 4, keywords: [] }],
    [['\\DELETED'], { bits: 8, keywords: [] }],
    [['\\draft'], { bits: 16, keywords: [] }],
    [['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'], { bits: ALL_SYSTEM_BITS, keywords: [] }],
    [['\\Seen', '\\seen', '\\SEEN'], { bits: 1, keywords: [] }],
    [['$Forwarded'], { bits: 0, keywords: ['$Forwarded'] }],
    [['$MDNSent', 'NonJunk', '$label1'], { bits: 0, keywords: ['$MDNSent', 'NonJunk', '$label1'] }],
    [['Work', '\\Seen', 'Home'], { bits: 1, keywords: ['Work', 'Home'] }],
    // Duplicates fold case-insensitively; the first spelling wins.
    [['Work', 'work', 'WORK'], { bits: 0, keywords: ['Work'] }],
    [['$junk', '$Junk'], { bits: 0, keywords: ['$junk'] }],
    // ATOM-CHAR edge characters (RFC 9051 §9).
    [['!'], { bits: 0, keywords: ['!'] }],
    [['#$&\'+,-./'], { bits: 0, keywords: ['#$&\'+,-./'] }],
    [['0123456789:;<=>?@'], { bits: 0, keywords: ['0123456789:;<=>?@'] }],
    [['[^_`|~'], { bits: 0, keywords: ['[^_`|~'] }],
    [['a[b'], { bits: 0, keywords: ['a[b'] }],
  ];
  for (const [names, expected] of valid) {
    void it(`parses ${JSON.stringify(names)}`, () => {
      assert.deepEqual(parseFlags(names), expected);
    });
  }

  // RFC 9051 §9: atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards /
  // quoted-specials / resp-specials. "}" is not among them, so it is an ATOM-CHAR.
  void it('accepts "}" in a keyword (it is an ATOM-CHAR)', () => {
    assert.deepEqual(parseFlags(['a}b']), { bits: 0, keywords: ['a}b'] });
  });
});

void describe('parseFlags: invalid flag lists', () => {
  const invalid: [string[], string][] = [
    [['\\Recent'], '\\Recent is session state'],
    [['\\recent'], '\\Recent in lower case'],
    [['\\Seen', '\\Recent'], '\\Recent after a valid flag'],
    [['\\Foo'], 'unknown system flag'],
    [['\\'], 'a lone backslash'],
    [['\\*'], 'the PERMANENTFLAGS wildcard'],
    [['\\Seen '], 'trailing space'],
    [['\\Important'], 'unknown backslash flag'],
    [[''], 'empty keyword'],
    [['a b'], 'space'],
    [['a(b'], 'open parenthesis'],
    [['a)b'], 'close parenthesis'],
    [['a{b'], 'open brace'],
    [['a*'], 'list wildcard *'],
    [['a%'], 'list wildcard %'],
    [['a"b'], 'double quote'],
    [['a\\b'], 'backslash inside a keyword'],
    [['a]b'], 'resp-special ]'],
    [['a\0b'], 'NUL'],
    [['a\rb'], 'CR'],
    [['a\nb'], 'LF'],
    [['a\tb'], 'tab'],
    [['a\x7fb'], 'DEL'],
    [['über'], 'non-ASCII'],
    [['Work', 'bad word'], 'one bad keyword among good ones'],
  ];
  for (const [names, why] of invalid) {
    void it(`rejects ${JSON.stringify(names)} (${why})`, () => {
      assert.equal(parseFlags(names), undefined);
    });
  }
});

void describe('parseFlags: limits', () => {
  void it('accepts a keyword of exactly MAX_KEYWORD_LENGTH octets and rejects one more', () => {
    const atLimit = 'k'.repeat(MAX_KEYWORD_LENGTH);
    assert.deepEqual(parseFlags([atLimit]), { bits: 0, keywords: [atLimit] });
    assert.equal(parseFlags(['k'.repeat(MAX_KEYWORD_LENGTH + 1)]), undefined);
  });

  void it('accepts exactly MAX_KEYWORDS_PER_MESSAGE keywords and rejects one more', () => {
    const atLimit = keywords(MAX_KEYWORDS_PER_MESSAGE);
    assert.deepEqual(parseFlags(atLimit), { bits: 0, keywords: atLimit });
    assert.equal(parseFlags(keywords(MAX_KEYWORDS_PER_MESSAGE + 1)), undefined);
  });

  void it('counts distinct keywords, not names, against the limit', () => {
    const atLimit = keywords(MAX_KEYWORDS_PER_MESSAGE);
    const withDuplicates = [...atLimit, 'K0', 'k1', ...SYSTEM_FLAGS];
    assert.deepEqual(parseFlags(withDuplicates), { bits: ALL_SYSTEM_BITS, keywords: atLimit });
  });
});

void describe('applyFlagChange', () => {
  const current: StoredFlags = { bits: SEEN_BIT, keywords: ['Work', '$Junk'] };

  void it('add sets bits and appends new keywords, ignoring ones present in another case', () => {
    const next = applyFlagChange(current, 'add', { bits: FLAG_BITS['\\Flagged'], keywords: ['work', 'Home'] });
    assert.deepEqual(next, { bits: SEEN_BIT | FLAG_BITS['\\Flagged'], keywords: ['Work', '$Junk', 'Home'] });
  });

  void it('add of nothing leaves the flags as they were', () => {
    assert.deepEqual(applyFlagChange(current, 'add', { bits: 0, keywords: [] }), current);
  });

  void it('remove clears bits and drops keywords case-insensitively', () => {
    const next = applyFlagChange(current, 'remove', { bits: SEEN_BIT | DELETED_BIT, keywords: ['$JUNK', 'Absent'] });
    assert.deepEqual(next, { bits: 0, keywords: ['Work'] });
  });

  void it('replace gives exactly the change', () => {
    const change: StoredFlags = { bits: DELETED_BIT, keywords: ['New'] };
    assert.deepEqual(applyFlagChange(current, 'replace', change), change);
    assert.deepEqual(applyFlagChange(current, 'replace', { bits: 0, keywords: [] }), { bits: 0, keywords: [] });
  });

  void it('does not modify its arguments', () => {
    const before = structuredClone(current);
    const change: StoredFlags = { bits: 4, keywords: ['X'] };
    applyFlagChange(current, 'add', change);
    applyFlagChange(current, 'remove', change);
    assert.deepEqual(current, before);
    assert.deepEqual(change, { bits: 4, keywords: ['X'] });
  });

  // MAX_KEYWORDS_PER_MESSAGE is "most keywords on one message"; parseFlags enforces it on one
  // STORE, and withinKeywordLimit tells the caller (updateFlags) that an add would cross it, so
  // the change is refused (IMAP NO [LIMIT]) rather than silently trimmed.
  void it('withinKeywordLimit catches an add that crosses MAX_KEYWORDS_PER_MESSAGE', () => {
    const full: StoredFlags = { bits: 0, keywords: keywords(MAX_KEYWORDS_PER_MESSAGE, 'old') };
    assert.equal(withinKeywordLimit(full), true);
    const change = parseFlags(['extra']);
    assert.ok(change);
    assert.equal(withinKeywordLimit(applyFlagChange(full, 'add', change)), false);
    const again = parseFlags(['OLD0']);
    assert.ok(again);
    assert.equal(withinKeywordLimit(applyFlagChange(full, 'add', again)), true, 'a keyword already present costs nothing');
  });
});

void describe('sameFlags', () => {
  void it('compares bits and keywords, ignoring keyword case and order', () => {
    assert.equal(sameFlags({ bits: 1, keywords: ['A', 'b'] }, { bits: 1, keywords: ['B', 'a'] }), true);
    assert.equal(sameFlags({ bits: 0, keywords: [] }, { bits: 0, keywords: [] }), true);
  });

  void it('sees a difference in bits or keywords', () => {
    assert.equal(sameFlags({ bits: 1, keywords: [] }, { bits: 3, keywords: [] }), false);
    assert.equal(sameFlags({ bits: 1, keywords: ['a'] }, { bits: 1, keywords: ['b'] }), false);
    assert.equal(sameFlags({ bits: 1, keywords: ['a'] }, { bits: 1, keywords: ['a', 'b'] }), false);
    assert.equal(sameFlags({ bits: 1, keywords: ['a', 'b'] }, { bits: 1, keywords: ['a'] }), false);
  });
});

void describe('flagNames and keyword encoding', () => {
  void it('lists system flags in SYSTEM_FLAGS order, then keywords in stored order', () => {
    assert.deepEqual(flagNames(ALL_SYSTEM_BITS, 'Zeta Alpha'), ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft', 'Zeta', 'Alpha']);
    assert.deepEqual(flagNames(DELETED_BIT | SEEN_BIT, ''), ['\\Seen', '\\Deleted']);
    assert.deepEqual(flagNames(FLAG_BITS['\\Draft'] | FLAG_BITS['\\Answered'], '$Junk'), ['\\Answered', '\\Draft', '$Junk']);
    assert.deepEqual(flagNames(0, ''), []);
  });

  void it('encodes keywords space-separated and decodes them back', () => {
    assert.equal(encodeKeywords([]), '');
    assert.deepEqual(decodeKeywords(''), []);
    assert.equal(encodeKeywords(['a', '$b']), 'a $b');
    assert.deepEqual(decodeKeywords('a $b'), ['a', '$b']);
  });

  void it('flagNames of parsed flags parses back to the same flags', () => {
    const parsed = parseFlags(['\\draft', 'Work', '\\SEEN', '$Junk']);
    assert.ok(parsed);
    const names = flagNames(parsed.bits, encodeKeywords(parsed.keywords));
    assert.deepEqual(names, ['\\Seen', '\\Draft', 'Work', '$Junk']);
    assert.deepEqual(parseFlags(names), parsed);
  });
});

// Property tests -----------------------------------------------------------------------------

const keywordArb = fc.stringMatching(/^[A-Za-z0-9$_.-]{1,8}$/);
const flagNameArb = fc.oneof(
  fc.constantFrom(...SYSTEM_FLAGS, '\\seen', '\\DRAFT', '\\Recent', '\\Foo'),
  keywordArb,
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const storedArb = fc
  .record({ bits: fc.integer({ min: 0, max: ALL_SYSTEM_BITS }), names: fc.uniqueArray(keywordArb, { maxLength: 8, selector: (k) => k.toLowerCase() }) })
  .map(({ bits, names }) => ({ bits, keywords: names }));

void describe('properties', () => {
  void it('parseFlags never throws, and what it accepts keeps its invariants', () => {
    fc.assert(
      fc.property(fc.array(flagNameArb, { maxLength: 80 }), (names) => {
        const parsed = parseFlags(names);
        if (parsed === undefined) return;
        assert.equal(parsed.bits & ~ALL_SYSTEM_BITS, 0);
        assert.ok(parsed.keywords.length <= MAX_KEYWORDS_PER_MESSAGE);
        const lower = parsed.keywords.map((k) => k.toLowerCase());
        assert.equal(new Set(lower).size, lower.length);
        for (const k of parsed.keywords) {
          assert.ok(names.includes(k));
          assert.ok(!k.startsWith('\\') && k.length > 0 && k.length <= MAX_KEYWORD_LENGTH);
        }
        assert.deepEqual(parseFlags(flagNames(parsed.bits, encodeKeywords(parsed.keywords))), parsed);
      }),
      { numRuns: 2000 },
    );
  });

  void it('add then remove of flags the message did not have gives back the original', () => {
    fc.assert(
      fc.property(storedArb, storedArb, (original, change) => {
        const originalLower = new Set(original.keywords.map((k) => k.toLowerCase()));
        const disjoint: StoredFlags = {
          bits: change.bits & ~original.bits,
          keywords: change.keywords.filter((k) => !originalLower.has(k.toLowerCase())),
        };
        const added = applyFlagChange(original, 'add', disjoint);
        const removed = applyFlagChange(added, 'remove', disjoint);
        assert.ok(sameFlags(removed, original), JSON.stringify({ original, disjoint, removed }));
      }),
    );
  });

  void it('add is idempotent and sameFlags is reflexive and symmetric', () => {
    fc.assert(
      fc.property(storedArb, storedArb, (a, b) => {
        const once = applyFlagChange(a, 'add', b);
        assert.ok(sameFlags(applyFlagChange(once, 'add', b), once));
        assert.ok(sameFlags(a, a));
        assert.equal(sameFlags(a, b), sameFlags(b, a));
      }),
    );
  });
});
