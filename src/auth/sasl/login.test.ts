import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../core/clock.ts';
import { Authenticator } from '../authenticator.ts';
import { FakeAccounts, recordingSleep, TEST_SCRYPT_PARAMS } from '../fake-accounts.test-support.ts';
import { parseLoginField } from './login.ts';
import { createSaslSession, type SaslOutcome } from './session.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const USERNAME_CHALLENGE = 'VXNlcm5hbWU6'; // "Username:"
const PASSWORD_CHALLENGE = 'UGFzc3dvcmQ6'; // "Password:"

void test('LOGIN fields: valid and invalid table', () => {
  const valid = ['alice@example.com', 'pässwörd', 'x'.repeat(255), ' spaces inside '];
  for (const field of valid) assert.equal(parseLoginField(new Uint8Array(Buffer.from(field))), field);
  const invalid = [[], Array.from(Buffer.from('x'.repeat(256))), [0x61, 0, 0x62], [0xff], [0xc3]];
  for (const field of invalid) assert.equal(parseLoginField(new Uint8Array(field)), undefined, JSON.stringify(field));
});

void test('property: parseLoginField never throws', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void parseLoginField(bytes)), { numRuns: 2000 });
});

async function login(initial: string | undefined, ...lines: string[]): Promise<SaslOutcome[]> {
  const accounts = new FakeAccounts();
  await accounts.add('alice@example.com', 'alice-password-1');
  const auth = new Authenticator({ accounts, clock: new ManualClock(), sleep: recordingSleep().sleep, scryptParams: TEST_SCRYPT_PARAMS });
  const session = createSaslSession('login', auth, { remoteAddress: '192.0.2.1', tls: true });
  assert.ok(session);
  const outcomes = [await session.start(initial)];
  for (const line of lines) outcomes.push(await session.respond(line));
  return outcomes;
}

const summary = (outcomes: SaslOutcome[]): string[] =>
  outcomes.map((outcome) => {
    if (outcome.kind === 'challenge') return `challenge:${outcome.data}`;
    if (outcome.kind === 'success') return `success:${outcome.account.address}`;
    return `failure:${outcome.reason}`;
  });

void test('LOGIN: Username: then Password: challenges, then success', async () => {
  assert.deepEqual(summary(await login(undefined, b64('alice@example.com'), b64('alice-password-1'))), [
    `challenge:${USERNAME_CHALLENGE}`,
    `challenge:${PASSWORD_CHALLENGE}`,
    'success:alice@example.com',
  ]);
});

void test('LOGIN: the initial response is the user name', async () => {
  assert.deepEqual(summary(await login(b64('alice@example.com'), b64('alice-password-1'))), [
    `challenge:${PASSWORD_CHALLENGE}`,
    'success:alice@example.com',
  ]);
});

void test('LOGIN failures', async () => {
  assert.deepEqual(summary(await login(b64('alice@example.com'), b64('wrong'))), [`challenge:${PASSWORD_CHALLENGE}`, 'failure:invalid-credentials']);
  assert.deepEqual(summary(await login(b64('nobody@example.com'), b64('wrong'))), [`challenge:${PASSWORD_CHALLENGE}`, 'failure:invalid-credentials']);
  assert.deepEqual(summary(await login('=')), ['failure:malformed']);
  assert.deepEqual(summary(await login(undefined, '')), [`challenge:${USERNAME_CHALLENGE}`, 'failure:malformed']);
  assert.deepEqual(summary(await login(b64('alice@example.com'), '')), [`challenge:${PASSWORD_CHALLENGE}`, 'failure:malformed']);
  assert.deepEqual(summary(await login(b64('alice@example.com'), '*')), [`challenge:${PASSWORD_CHALLENGE}`, 'failure:cancelled']);
  assert.deepEqual(summary(await login(b64('alice@example.com'), 'not base64!')), [`challenge:${PASSWORD_CHALLENGE}`, 'failure:malformed']);
});
