import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DEFAULT_SCRAM_ITERATIONS,
  finishScramExchange,
  formatScramVerifier,
  makeScramVerifier,
  makeServerNonce,
  MAX_SCRAM_ITERATIONS,
  parseScramVerifier,
  startScramExchange,
  type ScramVerifier,
} from './scram.ts';
import { parseClientFinal, parseClientFirst } from './scram-messages.ts';

// RFC 7677 §3 test vector.
const RFC = {
  password: 'pencil',
  salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
  iterations: 4096,
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

async function rfcVerifier(): Promise<ScramVerifier> {
  const made = await makeScramVerifier(RFC.password, { salt: new Uint8Array(Buffer.from(RFC.salt, 'base64')), iterations: RFC.iterations });
  assert.ok(made.ok);
  const parsed = parseScramVerifier(made.value);
  assert.ok(parsed.ok);
  return parsed.value;
}

void test('RFC 7677 §3: the server side reproduces the exchange byte for byte', async () => {
  const verifier = await rfcVerifier();
  const clientFirst = parseClientFirst(RFC.clientFirst);
  assert.ok(clientFirst.ok);
  const state = startScramExchange(clientFirst.value, verifier, RFC.serverNonce);
  assert.equal(state.serverFirstMessage, RFC.serverFirst);
  const clientFinal = parseClientFinal(RFC.clientFinal);
  assert.ok(clientFinal.ok);
  assert.deepEqual(finishScramExchange(state, clientFinal.value), { ok: true, value: { serverFinalMessage: RFC.serverFinal } });
});

void test('RFC 7677 §3: a wrong proof, binding or nonce fails', async () => {
  const verifier = await rfcVerifier();
  const clientFirst = parseClientFirst(RFC.clientFirst);
  assert.ok(clientFirst.ok);
  const state = startScramExchange(clientFirst.value, verifier, RFC.serverNonce);
  const cases: [string, string][] = [
    [RFC.clientFinal.replace('p=dHzb', 'p=dHzc'), 'invalid-proof'],
    [RFC.clientFinal.replace('c=biws', 'c=eSws'), 'channel-bindings-dont-match'], // "y,,"
    [RFC.clientFinal.replace('hNlF$k0', 'hNlF$k1'), 'other-error'],
    [RFC.clientFinal.replace(/p=.*$/, 'p=AAAA'), 'invalid-proof'], // wrong length
  ];
  for (const [message, error] of cases) {
    const parsed = parseClientFinal(message);
    assert.ok(parsed.ok, message);
    assert.deepEqual(finishScramExchange(state, parsed.value), { ok: false, error }, message);
  }
});

void test('the verifier in RFC 5803 form, with the default iteration count', async () => {
  const made = await makeScramVerifier('correct horse');
  assert.ok(made.ok);
  assert.match(made.value, /^SCRAM-SHA-256\$10000:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  const parsed = parseScramVerifier(made.value);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.iterations, DEFAULT_SCRAM_ITERATIONS);
  assert.equal(formatScramVerifier(parsed.value), made.value);
});

void test('makeScramVerifier refuses what SASLprep refuses, and bad options', async () => {
  assert.equal((await makeScramVerifier('bell\u0007char')).ok, false);
  assert.equal((await makeScramVerifier('')).ok, false);
  assert.equal((await makeScramVerifier('fine-password', { iterations: 100 })).ok, false);
  assert.equal((await makeScramVerifier('fine-password', { salt: new Uint8Array(0) })).ok, false);
});

void test('parseScramVerifier rejects malformed strings', () => {
  const key = Buffer.alloc(32, 1).toString('base64');
  const invalid = [
    '',
    `SCRAM-SHA-1$4096:c2FsdA==$${key}:${key}`,
    `SCRAM-SHA-256$4095:c2FsdA==$${key}:${key}`, // RFC 7677 §4 minimum
    `SCRAM-SHA-256$04096:c2FsdA==$${key}:${key}`,
    `SCRAM-SHA-256$10000001:c2FsdA==$${key}:${key}`, // above MAX_SCRAM_ITERATIONS
    `SCRAM-SHA-256$4096:$${key}:${key}`,
    `SCRAM-SHA-256$4096:c2FsdA=$${key}:${key}`,
    `SCRAM-SHA-256$4096:c2FsdA==$${key}`,
    `SCRAM-SHA-256$4096:c2FsdA==$AAAA:${key}`,
    `SCRAM-SHA-256$4096:c2FsdA==$${key}:${key}x`,
    `scram-sha-256$4096:c2FsdA==$${key}:${key}`,
  ];
  for (const text of invalid) assert.equal(parseScramVerifier(text).ok, false, text);
  assert.ok(parseScramVerifier(`SCRAM-SHA-256$4096:c2FsdA==$${key}:${key}`).ok);
  assert.ok(parseScramVerifier(`SCRAM-SHA-256$${MAX_SCRAM_ITERATIONS}:c2FsdA==$${key}:${key}`).ok);
});

void test('server nonces are printable, long enough (RFC 5802 §5.1) and differ', () => {
  const a = makeServerNonce();
  const b = makeServerNonce();
  assert.match(a, /^[A-Za-z0-9+/]{32}$/);
  assert.notEqual(a, b);
});

void test('property: parseScramVerifier never throws; format/parse round-trips', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void parseScramVerifier(text)), { numRuns: 2000 });
  fc.assert(
    fc.property(
      fc.integer({ min: 4096, max: 10_000_000 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (iterations, salt, storedKey, serverKey) => {
        const verifier = { iterations, salt, storedKey, serverKey };
        assert.deepEqual(parseScramVerifier(formatScramVerifier(verifier)), { ok: true, value: verifier });
      },
    ),
  );
});
