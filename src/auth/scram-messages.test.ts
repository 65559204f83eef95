import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeSaslname, encodeSaslname, parseClientFinal, parseClientFirst } from './scram-messages.ts';

void test('client-first-message: valid table (RFC 5802 §7)', () => {
  const valid: [string, { gs2Header: string; authzid: string | undefined; username: string; clientNonce: string; bare: string }][] = [
    ['n,,n=user,r=rOprNGfwEbeRWgbNEkqO', { gs2Header: 'n,,', authzid: undefined, username: 'user', clientNonce: 'rOprNGfwEbeRWgbNEkqO', bare: 'n=user,r=rOprNGfwEbeRWgbNEkqO' }],
    ['y,,n=alice@example.com,r=abc', { gs2Header: 'y,,', authzid: undefined, username: 'alice@example.com', clientNonce: 'abc', bare: 'n=alice@example.com,r=abc' }],
    ['n,a=alice@example.com,n=alice@example.com,r=x', { gs2Header: 'n,a=alice@example.com,', authzid: 'alice@example.com', username: 'alice@example.com', clientNonce: 'x', bare: 'n=alice@example.com,r=x' }],
    ['n,,n=a=2Cb=3Dc,r=x', { gs2Header: 'n,,', authzid: undefined, username: 'a,b=c', clientNonce: 'x', bare: 'n=a=2Cb=3Dc,r=x' }],
    ['n,,n=üser,r=x,x=ext,y=more', { gs2Header: 'n,,', authzid: undefined, username: 'üser', clientNonce: 'x', bare: 'n=üser,r=x,x=ext,y=more' }],
    ['n,,n=u,r=!"#$%&\'()*+-./~', { gs2Header: 'n,,', authzid: undefined, username: 'u', clientNonce: '!"#$%&\'()*+-./~', bare: 'n=u,r=!"#$%&\'()*+-./~' }],
  ];
  for (const [message, expected] of valid) assert.deepEqual(parseClientFirst(message), { ok: true, value: expected }, message);
});

void test('client-first-message: invalid table', () => {
  const invalid: [string, string][] = [
    ['', 'other-error'],
    ['n,,', 'other-error'],
    ['n,,n=user', 'other-error'],
    ['n,,r=abc,n=user', 'other-error'], // order
    ['p=tls-unique,,n=user,r=abc', 'channel-binding-not-supported'],
    ['x,,n=user,r=abc', 'other-error'],
    ['N,,n=user,r=abc', 'other-error'],
    ['n,b=zz,n=user,r=abc', 'other-error'],
    ['n,a=,n=user,r=abc', 'invalid-encoding'], // empty saslname
    ['n,,m=ext,n=user,r=abc', 'extensions-not-supported'],
    ['n,,n=,r=abc', 'invalid-encoding'],
    ['n,,n=a=2Xb,r=abc', 'invalid-encoding'], // bad escape
    ['n,,n=a=b,r=abc', 'invalid-encoding'],
    ['n,,n=user,r=', 'other-error'],
    ['n,,n=user,r=ab c', 'other-error'], // nonce not printable
    ['n,,n=user,r=abcé', 'other-error'],
    ['n,,n=user,r=abc,', 'other-error'], // empty extension
    ['n,,n=user,r=abc,bad', 'other-error'],
    ['n,,n=user,r=abc,1=x', 'other-error'],
    ['n,,n=us\0er,r=abc', 'invalid-encoding'],
    [' n,,n=user,r=abc', 'other-error'],
  ];
  for (const [message, error] of invalid) assert.deepEqual(parseClientFirst(message), { ok: false, error }, message);
});

void test('client-final-message: valid and invalid tables', () => {
  const proof = 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  const good = parseClientFinal(`c=biws,r=abc%def,p=${proof}`);
  assert.ok(good.ok);
  assert.deepEqual(Buffer.from(good.value.channelBinding).toString(), 'n,,');
  assert.equal(good.value.nonce, 'abc%def');
  assert.equal(Buffer.from(good.value.proof).toString('base64'), proof);
  assert.equal(good.value.withoutProof, 'c=biws,r=abc%def');
  const withExtension = parseClientFinal(`c=biws,r=abc,x=1,p=${proof}`);
  assert.ok(withExtension.ok);
  assert.equal(withExtension.value.withoutProof, 'c=biws,r=abc,x=1');

  const invalid: [string, string][] = [
    ['', 'other-error'],
    [`c=biws,r=abc`, 'other-error'],
    [`r=abc,c=biws,p=${proof}`, 'other-error'],
    [`c=biws,p=${proof},r=abc`, 'other-error'], // proof must be last
    [`c=bi ws,r=abc,p=${proof}`, 'invalid-encoding'],
    [`c=biws,r=abc,p=`, 'invalid-encoding'],
    [`c=biws,r=abc,p=dHzb!`, 'invalid-encoding'],
    [`c=biws,r=,p=${proof}`, 'other-error'],
    [`c=biws,r=abc,p=${proof},x=1`, 'other-error'],
    [`c=biws,r=abc,p=AAAA,p=${proof}`, 'other-error'], // two proofs
    [`c=biws,r=abc,,p=${proof}`, 'other-error'],
    [`c=biws,r=a\0bc,p=${proof}`, 'invalid-encoding'],
  ];
  for (const [message, error] of invalid) assert.deepEqual(parseClientFinal(message), { ok: false, error }, message);
});

void test('property: the parsers never throw', () => {
  const pieces = fc.constantFrom('n', 'y', 'p=x', ',', 'a=', 'n=', 'r=', 'm=', 'c=', 'p=', 'biws', '=2C', '=3D', '=', 'abc', '\0', 'é');
  const messages = fc.oneof(fc.string({ maxLength: 60 }), fc.array(pieces, { maxLength: 20 }).map((parts) => parts.join('')));
  fc.assert(
    fc.property(messages, (message) => {
      parseClientFirst(message);
      parseClientFinal(message);
      decodeSaslname(message);
    }),
    { numRuns: 3000 },
  );
});

void test('property: saslname encode/decode round-trips; client-first round-trips the user name', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((name) => !name.includes('\0')), (name) => {
      const encoded = encodeSaslname(name);
      assert.deepEqual(decodeSaslname(encoded), { ok: true, value: name });
      const parsed = parseClientFirst(`n,,n=${encoded},r=nonce`);
      assert.ok(parsed.ok);
      assert.equal(parsed.value.username, name);
    }),
  );
});
