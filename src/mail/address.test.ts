import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  MAX_ADDRESS_OCTETS,
  MAX_DOMAIN_OCTETS,
  MAX_LOCAL_PART_OCTETS,
  formatAddress,
  normalizeDomain,
  normalizeLocalPart,
  parseAddress,
} from './address.ts';

const octets = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The canonical text of an address, or undefined when it is rejected. */
function canonical(input: string): string | undefined {
  const result = parseAddress(input);
  return result.ok ? formatAddress(result.value) : undefined;
}

// A domain of exactly `total` octets made of 63-octet labels (the last one shorter).
function domainOfOctets(total: number): string {
  const labels: string[] = [];
  let left = total;
  while (left > 64) {
    labels.push('d'.repeat(63));
    left -= 64;
  }
  labels.push('e'.repeat(left));
  const domain = labels.join('.');
  assert.equal(octets(domain), total);
  return domain;
}

void describe('parseAddress: valid addresses and their canonical form', () => {
  const valid: [string, string][] = [
    ['alice@example.com', 'alice@example.com'],
    ['first.last@example.com', 'first.last@example.com'],
    ['a.b.c.d@sub.example.co.uk', 'a.b.c.d@sub.example.co.uk'],
    ["o'brien+tag@example.com", "o'brien+tag@example.com"],
    // atext other than "%" and "!" (see the routing forms below).
    ['#$&*+-/=?^_`{|}~@example.com', '#$&*+-/=?^_`{|}~@example.com'],
    ['x@example.com', 'x@example.com'],
    ['1234@example.com', '1234@example.com'],
    ['postmaster@localhost', 'postmaster@localhost'],
    ['user@a-b.example', 'user@a-b.example'],
    ['user@123.example', 'user@123.example'],
    // Upper case folds in both parts.
    ['Alice@Example.COM', 'alice@example.com'],
    ['ALICE.SMITH@EXAMPLE.COM', 'alice.smith@example.com'],
    // RFC 6531: UTF-8 local parts; domains become lower-case A-labels.
    ['jürgen@münchen.de', 'jürgen@xn--mnchen-3ya.de'],
    ['JÜRGEN@MÜNCHEN.DE', 'jürgen@xn--mnchen-3ya.de'],
    ['用户@例子.广告', '用户@xn--fsqu00a.xn--4rr70v'],
    ['δοκιμή@παράδειγμα.δοκιμή', 'δοκιμή@xn--hxajbheg2az3al.xn--jxalpdlp'],
    ['😀@example.com', '😀@example.com'],
    ['user@XN--MNCHEN-3YA.DE', 'user@xn--mnchen-3ya.de'],
    // NFD input is stored as NFC.
    ['ju\u0308rgen@example.com', 'jürgen@example.com'],
    // IDNA maps the ideographic full stop to a dot.
    ['user@example\u3002com', 'user@example.com'],
  ];
  for (const [input, expected] of valid) {
    void it(`accepts ${JSON.stringify(input)}`, () => {
      const result = parseAddress(input);
      assert.ok(result.ok, `${input}: ${result.ok ? '' : result.error}`);
      assert.equal(formatAddress(result.value), expected);
    });
  }

  void it('splits local part and domain at the last "@"', () => {
    assert.deepEqual(parseAddress('Bob@Example.org'), { ok: true, value: { local: 'bob', domain: 'example.org' } });
  });
});

void describe('parseAddress: invalid addresses', () => {
  const invalid: [string, string][] = [
    ['', 'empty'],
    ['@', 'only an at sign'],
    ['alice', 'no at sign'],
    ['@example.com', 'empty local part'],
    ['alice@', 'empty domain'],
    ['alice@@example.com', 'two at signs'],
    ['a@b@example.com', '"@" inside the local part'],
    // Dot-string rules (RFC 5321 §4.1.2).
    ['.alice@example.com', 'leading dot in the local part'],
    ['alice.@example.com', 'trailing dot in the local part'],
    ['al..ice@example.com', 'double dot in the local part'],
    ['.@example.com', 'local part is a single dot'],
    // Quoted local parts, IP literals, source routes.
    ['"alice"@example.com', 'quoted local part'],
    ['"john doe"@example.com', 'quoted local part with a space'],
    ['"a@b"@example.com', 'quoted local part with an at sign'],
    ['alice@[192.0.2.1]', 'IPv4 literal'],
    ['alice@[IPv6:2001:db8::1]', 'IPv6 literal'],
    ['@a.example,@b.example:alice@c.example', 'source route'],
    ['@relay.example:alice@example.com', 'source route with one hop'],
    // Characters outside atext.
    ['al ice@example.com', 'space in the local part'],
    [' alice@example.com', 'leading space'],
    ['alice@example.com ', 'trailing space'],
    ['alice@example.com\r\n', 'trailing CRLF'],
    ['ali\0ce@example.com', 'NUL in the local part'],
    ['alice@exa\0mple.com', 'NUL in the domain'],
    ['ali\tce@example.com', 'tab in the local part'],
    ['a(comment)@example.com', 'parentheses'],
    ['a,b@example.com', 'comma'],
    ['a;b@example.com', 'semicolon'],
    ['a:b@example.com', 'colon'],
    ['a<b>@example.com', 'angle brackets'],
    ['a[b]@example.com', 'square brackets'],
    ['a\\b@example.com', 'backslash'],
    ['<alice@example.com>', 'angle brackets around the address'],
    // Domains.
    ['alice@example.com.', 'trailing dot in the domain'],
    ['alice@.example.com', 'leading dot in the domain'],
    ['alice@example..com', 'empty label'],
    ['alice@.', 'domain is a dot'],
    ['alice@-example.com', 'label starts with a hyphen'],
    ['alice@example-.com', 'label ends with a hyphen'],
    ['alice@exa_mple.com', 'underscore in the domain'],
    ['alice@exa mple.com', 'space in the domain'],
    ['alice@example.com:25', 'port after the domain'],
    ['alice@192.0.2.1', 'bare IPv4 address'],
    ['alice@example.123', 'numeric top-level label'],
    [`alice@${'a'.repeat(64)}.com`, 'label of 64 octets'],
  ];
  for (const [input, why] of invalid) {
    void it(`rejects ${JSON.stringify(input)} (${why})`, () => {
      const result = parseAddress(input);
      assert.equal(result.ok, false, `${why}: accepted as ${result.ok ? formatAddress(result.value) : ''}`);
      if (!result.ok) {
        assert.equal(typeof result.error, 'string');
        assert.ok(result.error.length > 0);
      }
    });
  }

  // The percent hack (user%host@relay) and bang paths (host!user@relay) are source routes in
  // disguise (RFC 5321 §3.6.1, Appendix C); they are not account addresses.
  for (const input of ['user%host.example@example.com', 'host.example!user@example.com', 'a%b@example.com', 'a!b@example.com']) {
    void it(`rejects the %/! routing form ${JSON.stringify(input)}`, () => {
      const result = parseAddress(input);
      assert.equal(result.ok, false, `accepted as ${result.ok ? formatAddress(result.value) : ''}`);
    });
  }

  // "%" is not a domain character (RFC 5321 §4.1.2 sub-domain = Let-dig [Ldh-str]); the
  // WHATWG host parser behind domainToASCII percent-decodes, which must not turn a
  // malformed domain into a local one.
  for (const input of ['alice@ex%61mple.com', 'alice@example%2ecom', 'alice@%65xample.com']) {
    void it(`rejects the percent-encoded domain ${JSON.stringify(input)}`, () => {
      const result = parseAddress(input);
      assert.equal(result.ok, false, `accepted as ${result.ok ? formatAddress(result.value) : ''}`);
    });
  }

  // A lone surrogate is not a Unicode scalar value and has no UTF-8 form (RFC 3629 §3); stored
  // as UTF-8 text it becomes U+FFFD, so "\uD800@x" and "\uD801@x" would be the same key.
  for (const input of ['\uD800@example.com', 'a\uDC00b@example.com']) {
    void it(`rejects the lone surrogate in ${JSON.stringify(input)}`, () => {
      assert.equal(parseAddress(input).ok, false);
    });
  }
});

void describe('length limits (RFC 5321 §4.5.3.1)', () => {
  void it('has the RFC values', () => {
    assert.equal(MAX_LOCAL_PART_OCTETS, 64);
    assert.equal(MAX_ADDRESS_OCTETS, 254);
    assert.equal(MAX_DOMAIN_OCTETS, 253, 'RFC 1035 §2.3.4: 255 octets on the wire, 253 characters as text');
  });

  void it('accepts a local part of exactly 64 octets and rejects 65', () => {
    assert.equal(canonical(`${'a'.repeat(64)}@example.com`), `${'a'.repeat(64)}@example.com`);
    assert.equal(parseAddress(`${'a'.repeat(65)}@example.com`).ok, false);
  });

  void it('counts octets, not characters, in the local part', () => {
    // "ü" is two octets in UTF-8.
    assert.ok(parseAddress(`${'ü'.repeat(32)}@example.com`).ok);
    assert.equal(parseAddress(`${'ü'.repeat(32)}a@example.com`).ok, false);
    assert.equal(parseAddress(`${'😀'.repeat(16)}a@example.com`).ok, false);
    assert.ok(parseAddress(`${'😀'.repeat(16)}@example.com`).ok);
  });

  void it('measures the local part after NFC normalization', () => {
    // 32 × (u + U+0308) is 96 octets as typed, 64 octets (32 × "ü") in canonical form.
    const result = parseAddress(`${'u\u0308'.repeat(32)}@example.com`);
    assert.ok(result.ok);
    assert.equal(result.value.local, 'ü'.repeat(32));
  });

  void it('accepts an address of exactly 254 octets and rejects 255', () => {
    const local = 'a'.repeat(64);
    const at254 = `${local}@${domainOfOctets(MAX_ADDRESS_OCTETS - 65)}`;
    const at255 = `${local}@${domainOfOctets(MAX_ADDRESS_OCTETS - 64)}`;
    assert.equal(octets(at254), 254);
    assert.equal(octets(at255), 255);
    assert.equal(canonical(at254), at254);
    const rejected = parseAddress(at255);
    assert.equal(rejected.ok, false);
    assert.match(rejected.ok ? '' : rejected.error, /254/);
  });

  void it('measures the total length on the canonical (A-label) form', () => {
    // "ü" in the domain costs more as an A-label than as UTF-8.
    // "münchen" is 8 octets in UTF-8 and 14 as the A-label "xn--mnchen-3ya".
    const local = 'a'.repeat(64);
    const fits = `${local}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(39)}.münchen.de`;
    assert.equal(octets(fits), 244);
    const result = parseAddress(fits);
    assert.ok(result.ok);
    assert.equal(octets(formatAddress(result.value)), 250);
    const tooLong = `${local}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(45)}.münchen.de`;
    assert.equal(octets(tooLong), 250); // fits as typed, 256 octets as A-labels
    assert.equal(parseAddress(tooLong).ok, false);
  });

  void it('normalizeDomain accepts 253 characters and rejects 254', () => {
    const atLimit = domainOfOctets(MAX_DOMAIN_OCTETS);
    assert.deepEqual(normalizeDomain(atLimit), { ok: true, value: atLimit });
    assert.equal(normalizeDomain(domainOfOctets(MAX_DOMAIN_OCTETS + 1)).ok, false);
  });

  void it('accepts a 63-octet label and rejects 64', () => {
    assert.ok(normalizeDomain(`${'a'.repeat(63)}.com`).ok);
    assert.equal(normalizeDomain(`${'a'.repeat(64)}.com`).ok, false);
  });

  // Lower-casing can lengthen a string in UTF-8: "İ" (U+0130, 2 octets) becomes "i̇" (3 octets),
  // "Ⱥ" (U+023A, 2 octets) becomes "ⱥ" (U+2C65, 3 octets). The canonical local part must still
  // fit in 64 octets, or the stored key is not itself a valid address.
  for (const [upper, name] of [['İ', 'U+0130'], ['Ⱥ', 'U+023A']] as const) {
    void it(`keeps the canonical local part within 64 octets when ${name} lower-cases to more octets`, () => {
      const input = `${upper.repeat(32)}@example.com`;
      assert.equal(octets(upper.repeat(32)), 64);
      const result = parseAddress(input);
      if (result.ok) {
        assert.ok(octets(result.value.local) <= MAX_LOCAL_PART_OCTETS, `canonical local part is ${octets(result.value.local)} octets`);
        assert.deepEqual(parseAddress(formatAddress(result.value)), result);
      }
    });
  }
});

void describe('normalizeLocalPart and normalizeDomain', () => {
  void it('normalizeLocalPart folds case and composes', () => {
    assert.deepEqual(normalizeLocalPart('Ju\u0308RGEN'), { ok: true, value: 'jürgen' });
    assert.equal(normalizeLocalPart('').ok, false);
    assert.equal(normalizeLocalPart('a..b').ok, false);
  });

  void it('normalizeDomain gives lower-case A-labels', () => {
    assert.deepEqual(normalizeDomain('MÜNCHEN.de'), { ok: true, value: 'xn--mnchen-3ya.de' });
    assert.deepEqual(normalizeDomain('Example.COM'), { ok: true, value: 'example.com' });
    assert.equal(normalizeDomain('').ok, false);
    assert.equal(normalizeDomain('example.com.').ok, false);
    assert.equal(normalizeDomain('[127.0.0.1]').ok, false);
    assert.equal(normalizeDomain('exa\nmple.com').ok, false);
  });

  // RFC 5891 §5.4 / RFC 5890 §2.3.2.1: an "xn--" label that does not decode to a valid
  // U-label is a fake A-label, not a domain the server should store as canonical.
  for (const fake of ['xn--zz.com', 'xn--55555555.com', 'xn--a.com']) {
    void it(`rejects the fake A-label ${fake}`, () => {
      assert.equal(normalizeDomain(fake).ok, false);
    });
  }
});

void describe('canonical form', () => {
  const samples = [
    'Alice@Example.COM',
    'jürgen@münchen.de',
    'JÜRGEN@MÜNCHEN.DE',
    'ju\u0308rgen@xn--mnchen-3ya.de',
    'δοκιμή@παράδειγμα.δοκιμή',
    "O'Brien+Tag@Sub.Example.Org",
    'user@example\u3002com',
    `${'Ü'.repeat(32)}@example.com`,
  ];
  for (const input of samples) {
    void it(`is a fixed point for ${JSON.stringify(input)}`, () => {
      const first = parseAddress(input);
      assert.ok(first.ok);
      const again = parseAddress(formatAddress(first.value));
      assert.deepEqual(again, first);
    });
  }
});

// Property tests -----------------------------------------------------------------------------

const ATEXT = [...'abcxyzABCXYZ0189!#$%&\'*+-/=?^_`{|}~'];
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
const localChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ATEXT) },
  { weight: 1, arbitrary: fc.constant('.') },
  { weight: 2, arbitrary: fc.constantFrom('ü', 'Ü', 'é', 'É', 'ß', 'Ω', 'Σ', 'ς', '日', '😀', 'ﬁ', 'K', '\u0308', '\u00AD') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const label = fc.oneof(
  fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/),
  fc.constantFrom('münchen', 'MÜNCHEN', 'παράδειγμα', '例子', 'xn--mnchen-3ya', 'EXAMPLE', '-bad', 'a_b', ''),
);
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.'));
const addressLike = fc.tuple(fc.string({ unit: localChar, minLength: 1, maxLength: 70 }), domain).map(([l, d]) => `${l}@${d}`);

void describe('properties', () => {
  void it('parseAddress never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: anyCodeUnit }), addressLike), (input) => {
        const result = parseAddress(input);
        assert.equal(typeof result.ok, 'boolean');
        if (!result.ok) assert.equal(typeof result.error, 'string');
      }),
      { numRuns: 2000 },
    );
  });

  void it('normalizeDomain and normalizeLocalPart never throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (input) => {
        assert.equal(typeof normalizeDomain(input).ok, 'boolean');
        assert.equal(typeof normalizeLocalPart(input).ok, 'boolean');
      }),
      { numRuns: 1000 },
    );
  });

  void it('every accepted address re-parses to itself and its canonical form keeps the invariants', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(addressLike, fc.string({ unit: 'binary' })), (input) => {
        const first = parseAddress(input);
        if (!first.ok) return;
        accepted++;
        const { local, domain: dom } = first.value;
        assert.equal(local, local.normalize('NFC'));
        assert.equal(local, local.toLowerCase());
        assert.match(dom, /^[a-z0-9.-]+$/);
        assert.ok(octets(local) <= MAX_LOCAL_PART_OCTETS);
        assert.ok(octets(formatAddress(first.value)) <= MAX_ADDRESS_OCTETS);
        assert.deepEqual(parseAddress(formatAddress(first.value)), first);
      }),
      { numRuns: 2000 },
    );
    assert.ok(accepted > 0, 'the generator produced no valid address');
  });

  void it('accepted local parts are well-formed Unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom(...ATEXT), anyCodeUnit), minLength: 1, maxLength: 20 }), (local) => {
        const result = parseAddress(`${local}@example.com`);
        if (result.ok) assert.ok(result.value.local.isWellFormed(), JSON.stringify(result.value.local));
      }),
      { numRuns: 2000 },
    );
  });
});
