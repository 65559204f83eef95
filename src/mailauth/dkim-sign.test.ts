// DKIM signing checked by two verifiers: dkimpy (Debian's python3-dkim, independent of mailauth)
// and mailauth's own dkimVerify. Keys are generated fresh (RSA 2048 and Ed25519, RFC 8463) and
// published through a fake resolver / dkimpy's dnsfunc, never real DNS.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { dkimVerify } from 'mailauth';
import { dkimRecord } from '../dns/records.ts';
import { generateDkimKey, type GeneratedDkimKey } from '../mail/dkim-key.ts';
import { toCrlf } from '../mail/line-endings.ts';
import { DEFAULT_SIGNED_HEADERS, signMessage, signMessageReport, type DkimSigningKey } from './dkim-sign.ts';
import { dkimpyVerify, dkimpyVerifyAll, fakeResolver } from './mailauth.test-support.ts';

const MESSAGE = Buffer.from(
  'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.net>\r\nCc: carol@example.org\r\nSubject: Lunch\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nX-Unsigned: yes\r\n\r\nSee you at noon.\r\n',
);
const TIME = new Date(Date.UTC(2026, 10, 28, 10, 0, 0));

let rsa: GeneratedDkimKey;
let ed25519: GeneratedDkimKey;
let keys: DkimSigningKey[];
let table: Map<string, string[]>;

function signingKey(key: GeneratedDkimKey, selector: string, domain = 'example.com'): DkimSigningKey {
  return { domain, selector, algorithm: key.algorithm, privateKeyPem: key.privateKeyPem };
}

/** The DKIM-Signature fields of a signed message, unfolded, top first. */
function signatures(message: Uint8Array): Map<string, string>[] {
  const text = Buffer.from(message).toString('latin1');
  const header = text.slice(0, text.indexOf('\r\n\r\n') + 2);
  const fields = header.replace(/\r\n[ \t]/g, ' ').split('\r\n').filter((line) => /^DKIM-Signature:/i.test(line));
  return fields.map((field) => {
    const tags = new Map<string, string>();
    for (const tag of field.slice(field.indexOf(':') + 1).split(';')) {
      const eq = tag.indexOf('=');
      if (eq > 0) tags.set(tag.slice(0, eq).trim(), tag.slice(eq + 1).replace(/\s+/g, ''));
    }
    return tags;
  });
}

async function mailauthResults(message: Uint8Array): Promise<string[]> {
  const result = await dkimVerify(Buffer.from(message), { resolver: fakeResolver(table), curTime: TIME });
  return result.results.map((r) => `${r.signingDomain ?? ''}/${r.selector ?? ''}=${r.status.result}`);
}

before(async () => {
  [rsa, ed25519] = await Promise.all([generateDkimKey('rsa'), generateDkimKey('ed25519')]);
  keys = [signingKey(rsa, 'pw202611r'), signingKey(ed25519, 'pw202611e')];
  table = new Map([
    ['pw202611r._domainkey.example.com', [dkimRecord({ selector: 'pw202611r', algorithm: rsa.algorithm, publicKey: rsa.publicKey })]],
    ['pw202611e._domainkey.example.com', [dkimRecord({ selector: 'pw202611e', algorithm: ed25519.algorithm, publicKey: ed25519.publicKey })]],
  ]);
});

void describe('signMessage', () => {
  void it('adds one DKIM-Signature per key with the RFC 6376 §3.5 tags', async () => {
    const signed = await signMessage(MESSAGE, keys, { time: TIME });
    const sigs = signatures(signed);
    assert.equal(sigs.length, 2);
    const expected = [
      ['rsa-sha256', 'pw202611r'],
      ['ed25519-sha256', 'pw202611e'],
    ];
    sigs.forEach((tags, i) => {
      assert.equal(tags.get('v'), '1');
      assert.equal(tags.get('a'), expected[i]?.[0]);
      assert.equal(tags.get('s'), expected[i]?.[1]);
      assert.equal(tags.get('d'), 'example.com');
      assert.equal(tags.get('c'), 'relaxed/relaxed');
      assert.equal(tags.get('t'), String(TIME.getTime() / 1000));
      assert.match(tags.get('bh') ?? '', /^[A-Za-z0-9+/]{43}=$/);
      // Present fields from the bottom up, then From once more (oversigned, RFC 6376 §5.4.2).
      assert.deepEqual(
        (tags.get('h') ?? '').toLowerCase().split(':'),
        ['content-type', 'mime-version', 'message-id', 'date', 'subject', 'cc', 'to', 'from', 'from'],
      );
    });
    // The message itself follows the signatures unchanged.
    assert.deepEqual(Buffer.from(signed).subarray(signed.length - MESSAGE.length), MESSAGE);
    for (const line of Buffer.from(signed).subarray(0, signed.length - MESSAGE.length).toString('latin1').split('\r\n')) {
      assert.ok(line.length <= 998, 'signature lines are folded');
    }
  });

  void it('verifies with dkimpy and with mailauth', async () => {
    const signed = await signMessage(MESSAGE, keys, { time: TIME });
    const python = await dkimpyVerify(signed, table);
    assert.deepEqual(
      python.dkim.map((r) => [r.domain, r.selector, r.valid, r.error]),
      [
        ['example.com', 'pw202611r', true, null],
        ['example.com', 'pw202611e', true, null],
      ],
    );
    assert.deepEqual(await mailauthResults(signed), ['example.com/pw202611r=pass', 'example.com/pw202611e=pass']);
  });

  void it('fails verification after tampering, and a second From breaks the oversigned signature', async () => {
    const signed = Buffer.from(await signMessage(MESSAGE, keys, { time: TIME }));
    const text = signed.toString('latin1');
    const cases: [string, string][] = [
      ['body changed', text.replace('See you at noon.', 'See you at one.')],
      ['subject changed', text.replace('Subject: Lunch', 'Subject: Dinner')],
      ['From added on top', `From: Mallory <mallory@example.com>\r\n${text}`],
      ['From added below', text.replace('X-Unsigned: yes\r\n', 'X-Unsigned: yes\r\nFrom: Mallory <mallory@example.com>\r\n')],
    ];
    const python = await dkimpyVerifyAll(cases.map(([, tampered]) => Buffer.from(tampered, 'latin1')), table);
    for (const [i, [name, tampered]] of cases.entries()) {
      assert.deepEqual(python[i]?.dkim.map((r) => r.valid), [false, false], name);
      // mailauth says fail or (a body hash mismatch, lenient mode) neutral: never pass.
      for (const result of await mailauthResults(Buffer.from(tampered, 'latin1'))) assert.doesNotMatch(result, /=pass$/, name);
    }
    // Unsigned fields may change, whitespace may be refolded (relaxed): still valid.
    const harmless = text.replace('X-Unsigned: yes', 'X-Unsigned: no').replace('Subject: Lunch', 'Subject:   \r\n\tLunch');
    assert.deepEqual((await dkimpyVerify(Buffer.from(harmless, 'latin1'), table)).dkim.map((r) => r.valid), [true, true]);
  });

  void it('signs the bytes that will be sent: CRLF line ends everywhere (RFC 5321 §2.3.8)', async () => {
    const cases: [string, string][] = [
      ['LF line ends', 'From: a@example.com\nSubject: lf\n\nline one\nline two\n'],
      ['bare CR', 'From: a@example.com\rSubject: cr\r\rbody\r'],
      ['mixed', 'From: a@example.com\r\nSubject: mixed\n\r\nbody\rmore\n'],
      ['no final line end', 'From: a@example.com\r\nSubject: end\r\n\r\nlast line'],
      ['no body', 'From: a@example.com\r\nSubject: none\r\n'],
      ['empty body', 'From: a@example.com\r\nSubject: empty\r\n\r\n'],
      ['trailing empty lines and spaces', 'From: a@example.com\r\nSubject:  spaced \t out \r\n\r\nbody  \t \r\n\r\n\r\n'],
      ['dot lines (dot-stuffed on the wire)', 'From: a@example.com\r\nSubject: dots\r\n\r\n.\r\n..leading\r\n.\r\nend\r\n'],
      ['folded header, no space after colon', 'From:a@example.com\r\nSubject: one\r\n two\r\n\tthree\r\nTo: b@example.net\r\nTo: c@example.net\r\n\r\nx\r\n'],
      ['UTF-8 header and 8-bit body', 'From: J\u00f6rg <j\u00f6rg@example.com>\r\nSubject: Gr\u00fc\u00dfe\r\n\r\nS\u00fc\u00df\r\n'],
    ];
    const sent: Buffer[] = [];
    for (const [name, message] of cases) {
      const raw = Buffer.from(message, 'utf8');
      const report = await signMessageReport(raw, keys, { time: TIME });
      assert.equal(report.signed, 2, name);
      const bytes = Buffer.from(report.message);
      assert.doesNotMatch(bytes.toString('latin1'), /\r(?!\n)|(?<!\r)\n/, `${name}: only CRLF`);
      // Signatures, then exactly the normalized message.
      const normalized = Buffer.from(toCrlf(raw, true));
      assert.deepEqual(bytes.subarray(bytes.length - normalized.length), normalized, name);
      assert.deepEqual(await mailauthResults(bytes), ['example.com/pw202611r=pass', 'example.com/pw202611e=pass'], name);
      sent.push(bytes);
    }
    const python = await dkimpyVerifyAll(sent, table);
    for (const [i, [name]] of cases.entries()) {
      assert.deepEqual(python[i]?.dkim.map((r) => r.valid), [true, true], `${name}: ${JSON.stringify(python[i]?.dkim)}`);
    }
  });

  void it('signs a chosen header list, and oversigns the chosen fields', async () => {
    const signed = await signMessage(MESSAGE, keys.slice(1), { time: TIME, headers: ['Subject', 'To', 'X-Absent', 'bad name'], oversign: ['From', 'Reply-To'] });
    const h = (signatures(signed)[0]?.get('h') ?? '').toLowerCase().split(':');
    // From is always signed (RFC 6376 §5.4); absent fields are not listed unless oversigned.
    assert.deepEqual(h, ['subject', 'to', 'from', 'from', 'reply-to']);
    assert.deepEqual((await dkimpyVerify(signed, table)).dkim.map((r) => r.valid), [true]);
    assert.ok(DEFAULT_SIGNED_HEADERS.includes('From'));
    // The contrast: without oversigning, a From added on top leaves the signature valid for
    // mailauth. (dkimpy counts one more From on every signature by itself, its fix for bug 644046.)
    const plain = Buffer.from(await signMessage(MESSAGE, keys.slice(1), { time: TIME, oversign: [] }));
    assert.deepEqual((signatures(plain)[0]?.get('h') ?? '').toLowerCase().split(':').filter((name) => name === 'from'), ['from']);
    const spoofed = Buffer.concat([Buffer.from('From: Mallory <mallory@example.com>\r\n'), plain]);
    assert.deepEqual(await mailauthResults(spoofed), ['example.com/pw202611e=pass']);
  });

  void it('reports unusable keys and still signs with the others', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bad: [DkimSigningKey, string][] = [
      [{ ...keys[0]!, privateKeyPem: 'not a key' }, 'invalid-key'],
      [{ ...keys[0]!, algorithm: 'ed25519-sha256' }, 'key-type-mismatch'],
      [{ ...keys[1]!, algorithm: 'rsa-sha256' }, 'key-type-mismatch'],
      [{ ...keys[0]!, privateKeyPem: weak }, 'weak-key'],
      [{ ...keys[0]!, selector: 'bad selector;' }, 'invalid-selector'],
      [{ ...keys[0]!, selector: '' }, 'invalid-selector'],
      [{ ...keys[0]!, domain: 'exa mple.com' }, 'invalid-domain'],
      [{ ...keys[0]!, domain: 'example.com; s=evil' }, 'invalid-domain'],
    ];
    for (const [key, code] of bad) {
      const report = await signMessageReport(MESSAGE, [key, keys[1]!], { time: TIME });
      assert.deepEqual(report.errors.map((e) => e.code), [code], code);
      assert.equal(report.signed, 1, code);
      assert.deepEqual(await mailauthResults(report.message), ['example.com/pw202611e=pass'], code);
    }
    // No From: nothing is signed (RFC 6376 §5.4), the message goes out as it is.
    const noFrom = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    const report = await signMessageReport(noFrom, keys, { time: TIME });
    assert.equal(report.signed, 0);
    assert.deepEqual(report.errors.map((e) => e.code), ['no-from', 'no-from']);
    assert.deepEqual(Buffer.from(report.message), noFrom);
    // No keys: the message unchanged.
    assert.deepEqual(Buffer.from(await signMessage(MESSAGE, [])), MESSAGE);
  });

  void it('signs with U-label domains as A-labels', async () => {
    const key = signingKey(ed25519, 'sel', 'b\u00fccher.example');
    const local = new Map([['sel._domainkey.xn--bcher-kva.example', [dkimRecord({ selector: 'sel', algorithm: ed25519.algorithm, publicKey: ed25519.publicKey })]]]);
    const signed = await signMessage(Buffer.from('From: a@b\u00fccher.example\r\n\r\nx\r\n'), [key], { time: TIME });
    assert.equal(signatures(signed)[0]?.get('d'), 'xn--bcher-kva.example');
    assert.deepEqual((await dkimpyVerify(signed, local)).dkim.map((r) => r.valid), [true]);
  });

  void it('property: never throws, and what it signs verifies (mailauth)', async () => {
    const line = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '\t', '\r', '\n', '.', ':', '\u00e9', '=', '-'), maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 6 }), fc.array(line, { maxLength: 8 }), async (headerLines, bodyLines) => {
        const raw = Buffer.from(`From: a@example.com\r\n${headerLines.map((l) => `X-T: ${l}`).join('\r\n')}\r\n\r\n${bodyLines.join('\r\n')}`, 'utf8');
        const report = await signMessageReport(raw, keys.slice(1), { time: TIME });
        if (report.signed === 1) assert.deepEqual(await mailauthResults(report.message), ['example.com/pw202611e=pass'], JSON.stringify(raw.toString()));
      }),
      { numRuns: 60 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (raw) => {
        const report = await signMessageReport(raw, keys.slice(1), { time: TIME });
        assert.ok(report.signed <= 1);
      }),
      { numRuns: 100 },
    );
  });
});
