// ARC sealing (RFC 8617) of forwarded mail, checked by mailauth's ARC validation and by dkimpy's
// arc_verify (independent). DNS is a fake resolver: origin.example publishes SPF, DMARC and its
// DKIM key; forwarder.example and second.example publish their sealing keys.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { authenticate } from 'mailauth';
import { dkimRecord } from '../dns/records.ts';
import { generateDkimKey, type GeneratedDkimKey } from '../mail/dkim-key.ts';
import { arcSeal, type ArcSealInput, type ArcSealKey, type DnsResolver } from './arc.ts';
import { signMessage } from './dkim-sign.ts';
import { dkimpyVerifyAll, fakeResolver } from './mailauth.test-support.ts';

const TIME = new Date(Date.UTC(2026, 10, 28, 10, 0, 0));
const ORIGINAL = Buffer.from(
  'From: Alice <alice@origin.example>\r\nTo: bob@forwarder.example\r\nSubject: Forward me\r\nDate: Sat, 28 Nov 2026 09:59:00 +0000\r\nMessage-ID: <f1@origin.example>\r\n\r\nHello through a forwarder.\r\n',
);

let origin: GeneratedDkimKey;
let forwarder: GeneratedDkimKey;
let second: GeneratedDkimKey;
let table: Map<string, string[]>;
let resolver: DnsResolver;
let signed: Uint8Array;

function key(generated: GeneratedDkimKey, domain: string, selector: string): ArcSealKey {
  return { domain, selector, algorithm: 'rsa-sha256', privateKeyPem: generated.privateKeyPem };
}

/** The message as forwarder.example got it from origin.example's server. */
function firstHop(overrides: Partial<ArcSealInput> = {}): ArcSealInput {
  return {
    message: signed,
    key: key(forwarder, 'forwarder.example', 'arc1'),
    authservId: 'mx.forwarder.example',
    resolver,
    ip: '192.0.2.1',
    helo: 'mail.origin.example',
    sender: 'alice@origin.example',
    time: TIME,
    ...overrides,
  };
}

/** What the next hop (or the final receiver) says about the ARC chain. */
async function mailauthArc(message: Uint8Array): Promise<string> {
  const result = await authenticate(Buffer.from(message), { resolver, ip: '198.51.100.9', helo: 'mx.forwarder.example', sender: 'alice@origin.example', mta: 'mx.final.example', disableBimi: true });
  return result.arc ? result.arc.status.result : 'not run';
}

/** The ARC header fields of a message, unfolded: [name, value]. */
function arcFields(message: Uint8Array): [string, string][] {
  const text = Buffer.from(message).toString('latin1');
  const header = text.slice(0, text.indexOf('\r\n\r\n') + 2).replace(/\r\n[ \t]/g, ' ');
  return header
    .split('\r\n')
    .filter((line) => /^ARC-/i.test(line))
    .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]);
}

before(async () => {
  [origin, forwarder, second] = await Promise.all([generateDkimKey('rsa'), generateDkimKey('rsa'), generateDkimKey('rsa')]);
  const record = (k: GeneratedDkimKey, selector: string) => [dkimRecord({ selector, algorithm: k.algorithm, publicKey: k.publicKey })];
  table = new Map([
    ['origin.example', ['v=spf1 ip4:192.0.2.1 -all']],
    ['_dmarc.origin.example', ['v=DMARC1; p=reject']],
    ['sel._domainkey.origin.example', record(origin, 'sel')],
    ['arc1._domainkey.forwarder.example', record(forwarder, 'arc1')],
    ['arc2._domainkey.second.example', record(second, 'arc2')],
  ]);
  resolver = fakeResolver(table);
  signed = await signMessage(ORIGINAL, [{ domain: 'origin.example', selector: 'sel', algorithm: origin.algorithm, privateKeyPem: origin.privateKeyPem }], { time: TIME });
});

void describe('arcSeal', () => {
  void it('seals a first hop: i=1, cv=none, our results in the ARC-Authentication-Results', async () => {
    const outcome = await arcSeal(firstHop());
    assert.equal(outcome.sealed, true, outcome.errors.join('; '));
    assert.equal(outcome.instance, 1);
    assert.equal(outcome.chain, 'none');
    assert.deepEqual(outcome.errors, []);
    const fields = arcFields(outcome.message);
    assert.deepEqual(fields.map(([name]) => name).sort(), ['ARC-Authentication-Results', 'ARC-Message-Signature', 'ARC-Seal']);
    const value = (name: string) => fields.find(([n]) => n === name)?.[1] ?? '';
    assert.match(value('ARC-Seal'), /^i=1;/);
    assert.match(value('ARC-Seal'), /cv=none/);
    assert.match(value('ARC-Seal'), /d=forwarder\.example/);
    assert.match(value('ARC-Seal'), /s=arc1/);
    assert.match(value('ARC-Message-Signature'), /^i=1;/);
    const aar = value('ARC-Authentication-Results');
    assert.match(aar, /^i=1; mx\.forwarder\.example;/);
    assert.match(aar, /spf=pass/);
    assert.match(aar, /dkim=pass[^;]*header\.i=@origin\.example/);
    assert.match(aar, /dmarc=pass/);
    assert.match(outcome.authResults, /^mx\.forwarder\.example;/);
    // The message follows the set unchanged.
    assert.deepEqual(Buffer.from(outcome.message).subarray(outcome.message.length - signed.length), Buffer.from(signed));
  });

  void it('verifies with mailauth (arc=pass) and dkimpy (cv=pass), over two hops', async () => {
    const hop1 = await arcSeal(firstHop());
    assert.equal(await mailauthArc(hop1.message), 'pass');
    // The second forwarder received it from the first one (whose IP SPF does not list).
    const hop2 = await arcSeal({ ...firstHop({ message: hop1.message, key: key(second, 'second.example', 'arc2'), authservId: 'mx.second.example' }), ip: '198.51.100.9', helo: 'mx.forwarder.example' });
    assert.equal(hop2.sealed, true, hop2.errors.join('; '));
    assert.equal(hop2.instance, 2);
    assert.equal(hop2.chain, 'pass');
    const seals = arcFields(hop2.message).filter(([name]) => name === 'ARC-Seal');
    assert.deepEqual(seals.map(([, v]) => /cv=([a-z]+)/.exec(v)?.[1]).sort(), ['none', 'pass']);
    assert.match(arcFields(hop2.message).find(([n, v]) => n === 'ARC-Authentication-Results' && v.startsWith('i=2'))?.[1] ?? '', /arc=pass/);
    assert.equal(await mailauthArc(hop2.message), 'pass');

    const python = await dkimpyVerifyAll([hop1.message, hop2.message], table, true);
    assert.equal(python[0]?.arc?.cv, 'pass', python[0]?.arc?.reason);
    assert.deepEqual(python[0]?.arc?.instances.map((i) => [i.instance, i.ams_valid, i.as_valid]), [[1, true, true]]);
    assert.equal(python[1]?.arc?.cv, 'pass', python[1]?.arc?.reason);
    assert.deepEqual(python[1]?.arc?.instances.map((i) => [i.instance, i.ams_valid, i.as_valid]), [[2, true, true], [1, true, true]]);
    // The original DKIM signature still verifies under the seals.
    assert.deepEqual(python[1]?.dkim.map((r) => r.valid), [true]);
  });

  void it('a message changed after sealing fails validation; a failed chain is sealed cv=fail at most once', async () => {
    const hop1 = await arcSeal(firstHop());
    const tampered = Buffer.from(Buffer.from(hop1.message).toString('latin1').replace('Hello through', 'Goodbye through'), 'latin1');
    assert.equal(await mailauthArc(tampered), 'fail');
    const [python] = await dkimpyVerifyAll([tampered], table, true);
    assert.equal(python?.arc?.cv, 'fail');

    // RFC 8617 §5.1.1: the next sealer records the failure with cv=fail, or does not seal.
    const hop2 = await arcSeal(firstHop({ message: tampered, key: key(second, 'second.example', 'arc2'), authservId: 'mx.second.example' }));
    assert.equal(hop2.chain, 'fail');
    if (hop2.sealed) {
      assert.equal(hop2.instance, 2);
      const newest = arcFields(hop2.message).find(([n, v]) => n === 'ARC-Seal' && v.startsWith('i=2'));
      assert.match(newest?.[1] ?? '', /cv=fail/);
      // A chain whose newest seal says cv=fail is never sealed again (RFC 8617 §5.1 step 2).
      const hop3 = await arcSeal(firstHop({ message: hop2.message }));
      assert.equal(hop3.sealed, false);
      assert.ok(hop3.errors.length > 0);
    }
  });

  void it('reports instead of throwing: bad keys, failing DNS, odd input', async () => {
    const badKey = await arcSeal(firstHop({ key: { ...key(forwarder, 'forwarder.example', 'arc1'), privateKeyPem: 'not a key' } }));
    assert.equal(badKey.sealed, false);
    assert.ok(badKey.errors.length > 0);
    assert.deepEqual(Buffer.from(badKey.message), Buffer.from(signed));

    // An Ed25519 key where RSA is required: refused by mailauth's key check, reported.
    const ed25519 = await generateDkimKey('ed25519');
    const mismatch = await arcSeal(firstHop({ key: { ...key(forwarder, 'forwarder.example', 'arc1'), privateKeyPem: ed25519.privateKeyPem } }));
    assert.equal(mismatch.sealed, false);
    assert.match(mismatch.errors.join(' '), /EINVALIDTYPE/);

    const broken: DnsResolver = async () => {
      throw new Error('resolver exploded');
    };
    const dnsDown = await arcSeal(firstHop({ resolver: broken }));
    assert.equal(typeof dnsDown.sealed, 'boolean');

    const noFrom = await arcSeal(firstHop({ message: Buffer.from('Subject: x\r\n\r\nbody\r\n') }));
    assert.equal(noFrom.sealed, false);

    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (raw) => {
        const outcome = await arcSeal(firstHop({ message: raw }));
        assert.equal(typeof outcome.sealed, 'boolean');
      }),
      { numRuns: 40 },
    );
  });

  void it('makes lines CRLF before sealing, so the sealed bytes are the sent bytes', async () => {
    const lf = Buffer.from('From: Alice <alice@origin.example>\nTo: bob@forwarder.example\nSubject: lf\n\nbody\n');
    const outcome = await arcSeal(firstHop({ message: lf }));
    assert.equal(outcome.sealed, true, outcome.errors.join('; '));
    assert.doesNotMatch(Buffer.from(outcome.message).toString('latin1'), /\r(?!\n)|(?<!\r)\n/);
    assert.equal(await mailauthArc(outcome.message), 'pass');
    const [python] = await dkimpyVerifyAll([outcome.message], table, true);
    assert.equal(python?.arc?.cv, 'pass', python?.arc?.reason);
  });
});
