import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../core/clock.ts';
import { Authenticator } from '../authenticator.ts';
import { FakeAccounts, recordingSleep, TEST_SCRYPT_PARAMS } from '../fake-accounts.test-support.ts';
import { MAX_PLAIN_FIELD_OCTETS, parsePlainMessage } from './plain.ts';
import { createSaslSession, type SaslOutcome } from './session.ts';

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

void test('PLAIN messages: valid table (RFC 4616 §2)', () => {
  const max = 'x'.repeat(MAX_PLAIN_FIELD_OCTETS);
  const valid: [string, { authzid: string | undefined; authcid: string; password: string }][] = [
    ['\0alice@example.com\0secret', { authzid: undefined, authcid: 'alice@example.com', password: 'secret' }],
    ['alice@example.com\0alice@example.com\0secret', { authzid: 'alice@example.com', authcid: 'alice@example.com', password: 'secret' }],
    ['\0ü@example.com\0pässwörd wïth spaces', { authzid: undefined, authcid: 'ü@example.com', password: 'pässwörd wïth spaces' }],
    [`${max}\0${max}\0${max}`, { authzid: max, authcid: max, password: max }],
  ];
  for (const [message, expected] of valid) assert.deepEqual(parsePlainMessage(bytes(message)), { ok: true, value: expected });
});

void test('PLAIN messages: invalid table', () => {
  const long = 'x'.repeat(MAX_PLAIN_FIELD_OCTETS + 1);
  const invalid: Uint8Array[] = [
    bytes(''),
    bytes('alice secret'),
    bytes('\0alice'),
    bytes('\0alice\0secret\0'),
    bytes('\0\0secret'), // empty authcid
    bytes('\0alice\0'), // empty password
    bytes('\0\0'),
    bytes(`\0${long}\0secret`),
    bytes(`\0alice\0${long}`),
    bytes(`${long}\0alice\0secret`),
    bytes(`\0alice\0${'é'.repeat(128)}`), // 256 octets
    new Uint8Array([0, 0x61, 0, 0xff]), // invalid UTF-8 password
    new Uint8Array([0, 0xc3, 0, 0x61]),
    new Uint8Array([0xc0, 0x80, 0, 0x61, 0, 0x61]), // overlong NUL in authzid
  ];
  for (const message of invalid) assert.deepEqual(parsePlainMessage(message), { ok: false, error: 'malformed' }, Buffer.from(message).toString('hex'));
});

void test('property: parsePlainMessage never throws; fields round-trip', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (message) => void parsePlainMessage(message)), { numRuns: 2000 });
  const field = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((text) => !text.includes('\0'));
  fc.assert(
    fc.property(fc.option(field, { nil: undefined }), field, field, (authzid, authcid, password) => {
      const parsed = parsePlainMessage(bytes(`${authzid ?? ''}\0${authcid}\0${password}`));
      assert.deepEqual(parsed, { ok: true, value: { authzid, authcid, password } });
    }),
  );
});

async function setup(): Promise<{ auth: Authenticator; accounts: FakeAccounts; delays: number[] }> {
  const accounts = new FakeAccounts();
  await accounts.add('alice@example.com', 'alice-password-1');
  const { sleep, delays } = recordingSleep();
  const auth = new Authenticator({ accounts, clock: new ManualClock(), sleep, scryptParams: TEST_SCRYPT_PARAMS });
  return { auth, accounts, delays };
}

async function plain(auth: Authenticator, initial: string | undefined, ...lines: string[]): Promise<SaslOutcome[]> {
  const session = createSaslSession('PLAIN', auth, { remoteAddress: '192.0.2.1', tls: true });
  assert.ok(session);
  const outcomes = [await session.start(initial)];
  for (const line of lines) outcomes.push(await session.respond(line));
  return outcomes;
}

const kinds = (outcomes: SaslOutcome[]): string[] => outcomes.map((outcome) => (outcome.kind === 'failure' ? `failure:${outcome.reason}` : outcome.kind));

void test('PLAIN with an initial response, and without (empty challenge first, RFC 4616 §3)', async () => {
  const { auth } = await setup();
  const withIr = await plain(auth, b64('\0alice@example.com\0alice-password-1'));
  assert.equal(withIr[0]?.kind, 'success');
  assert.equal(withIr[0]?.kind === 'success' ? withIr[0].account.address : '', 'alice@example.com');
  const withoutIr = await plain(auth, undefined, b64('\0alice@example.com\0alice-password-1'));
  assert.deepEqual(withoutIr[0], { kind: 'challenge', data: '' });
  assert.equal(withoutIr[1]?.kind, 'success');
});

void test('PLAIN authzid: the same identity is fine, another is refused without checking the password', async () => {
  const { auth, accounts } = await setup();
  assert.deepEqual(kinds(await plain(auth, b64('Alice@Example.com\0alice@example.com\0alice-password-1'))), ['success']);
  const lookups = accounts.lookups;
  assert.deepEqual(kinds(await plain(auth, b64('bob@example.com\0alice@example.com\0alice-password-1'))), ['failure:invalid-credentials']);
  assert.equal(accounts.lookups, lookups);
});

void test('PLAIN failures: wrong password, unknown user, malformed, empty initial response', async () => {
  const { auth } = await setup();
  assert.deepEqual(kinds(await plain(auth, b64('\0alice@example.com\0wrong'))), ['failure:invalid-credentials']);
  assert.deepEqual(kinds(await plain(auth, b64('\0nobody@example.com\0wrong'))), ['failure:invalid-credentials']);
  assert.deepEqual(kinds(await plain(auth, b64('alice@example.com alice-password-1'))), ['failure:malformed']);
  assert.deepEqual(kinds(await plain(auth, '=')), ['failure:malformed']);
  assert.deepEqual(kinds(await plain(auth, undefined, '')), ['challenge', 'failure:malformed']);
  assert.deepEqual(kinds(await plain(auth, undefined, '*')), ['challenge', 'failure:cancelled']);
});
