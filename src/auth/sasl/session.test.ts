import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Account } from '../../storage/api.ts';
import type { AuthResult, SaslAuthenticator } from '../authenticator.ts';
import { createSaslSession, MAX_SASL_LINE_OCTETS, SASL_MECHANISM_INFO, SASL_MECHANISMS, saslMechanismsFor } from './session.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const OPTIONS = { remoteAddress: '192.0.2.1', tls: true };

const ALICE: Account = {
  id: 1,
  domainId: 1,
  address: 'alice@example.com',
  credentials: { passwordHash: '', scramSha256: '' },
  quotaBytes: null,
  usedBytes: 0,
  createdAt: new Date(0),
};

/** Accepts alice / right-password; records the logins it was asked to check. */
function stubAuthenticator(answer?: () => Promise<AuthResult>): SaslAuthenticator & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    authenticate: async ({ username, password }) => {
      calls.push(`${username}:${password}`);
      if (answer) return answer();
      return username === 'alice@example.com' && password === 'right-password' ? { ok: true, account: ALICE } : { ok: false, reason: 'invalid-credentials' };
    },
    scramLookup: async () => ({ ok: false, reason: 'temporary' }),
    scramFinish: async () => ({ ok: false, reason: 'invalid-credentials' }),
  };
}

void test('mechanism list and TLS data', () => {
  assert.deepEqual(SASL_MECHANISMS, ['SCRAM-SHA-256', 'PLAIN', 'LOGIN']);
  assert.deepEqual(saslMechanismsFor(true), ['SCRAM-SHA-256', 'PLAIN', 'LOGIN']);
  assert.deepEqual(saslMechanismsFor(false), []);
  assert.equal(SASL_MECHANISM_INFO.get('PLAIN')?.sendsPassword, true);
  assert.equal(SASL_MECHANISM_INFO.get('SCRAM-SHA-256')?.sendsPassword, false);
});

void test('unknown mechanisms give no session; names match case-insensitively', () => {
  const auth = stubAuthenticator();
  for (const name of ['', 'CRAM-MD5', 'SCRAM-SHA-256-PLUS', 'GSSAPI', 'XOAUTH2', 'PLAIN ', 'constructor', '__proto__']) {
    assert.equal(createSaslSession(name, auth, OPTIONS), undefined, name);
  }
  assert.equal(createSaslSession('plain', auth, OPTIONS)?.mechanism, 'PLAIN');
  assert.equal(createSaslSession('Scram-Sha-256', auth, OPTIONS)?.mechanism, 'SCRAM-SHA-256');
});

void test('a session is single use', async () => {
  const auth = stubAuthenticator();
  const done = createSaslSession('PLAIN', auth, OPTIONS);
  assert.ok(done);
  assert.deepEqual(await done.start(b64('\0alice@example.com\0right-password')), { kind: 'success', account: ALICE });
  assert.deepEqual(await done.respond(''), { kind: 'failure', reason: 'malformed' });
  assert.deepEqual(await done.start(b64('\0alice@example.com\0right-password')), { kind: 'failure', reason: 'malformed' });

  const failed = createSaslSession('PLAIN', auth, OPTIONS);
  assert.ok(failed);
  assert.deepEqual(await failed.start(b64('\0alice@example.com\0wrong')), { kind: 'failure', reason: 'invalid-credentials' });
  assert.deepEqual(await failed.respond(b64('\0alice@example.com\0right-password')), { kind: 'failure', reason: 'malformed' });
  assert.equal(auth.calls.length, 2);
});

void test('respond before start, or while a step is running, is malformed', async () => {
  const auth = stubAuthenticator();
  const early = createSaslSession('PLAIN', auth, OPTIONS);
  assert.ok(early);
  assert.deepEqual(await early.respond(b64('\0alice@example.com\0right-password')), { kind: 'failure', reason: 'malformed' });
  assert.deepEqual(await early.start(), { kind: 'failure', reason: 'malformed' });

  const busy = createSaslSession('PLAIN', auth, OPTIONS);
  assert.ok(busy);
  assert.deepEqual(await busy.start(), { kind: 'challenge', data: '' });
  const first = busy.respond(b64('\0alice@example.com\0right-password'));
  const second = busy.respond(b64('\0alice@example.com\0right-password'));
  assert.deepEqual(await second, { kind: 'failure', reason: 'malformed' });
  assert.deepEqual(await first, { kind: 'failure', reason: 'malformed' }, 'the session was ended meanwhile');
  assert.deepEqual(await busy.respond(''), { kind: 'failure', reason: 'malformed' });

  // The same while a LOGIN step that would answer a challenge is running.
  const login = createSaslSession('LOGIN', auth, OPTIONS);
  assert.ok(login);
  await login.start();
  const pending = login.respond(b64('alice@example.com'));
  assert.deepEqual(await login.respond(b64('right-password')), { kind: 'failure', reason: 'malformed' });
  assert.deepEqual(await pending, { kind: 'failure', reason: 'malformed' });
  assert.deepEqual(await login.respond(b64('right-password')), { kind: 'failure', reason: 'malformed' });
});

void test('cancel, bad base64 and over-long lines end the session without asking the authenticator', async () => {
  const auth = stubAuthenticator();
  const lines: [string, string][] = [
    ['*', 'cancelled'],
    ['AGFsaWNl AHg=', 'malformed'],
    ['AGFsaWNlAHg', 'malformed'],
    ['A'.repeat(MAX_SASL_LINE_OCTETS + 4), 'malformed'],
  ];
  for (const [line, reason] of lines) {
    const session = createSaslSession('PLAIN', auth, OPTIONS);
    assert.ok(session);
    await session.start();
    assert.deepEqual(await session.respond(line), { kind: 'failure', reason });
    assert.deepEqual(await session.respond(b64('\0alice@example.com\0right-password')), { kind: 'failure', reason: 'malformed' });
  }
  const tooLong = createSaslSession('PLAIN', auth, OPTIONS);
  assert.ok(tooLong);
  assert.deepEqual(await tooLong.start('A'.repeat(MAX_SASL_LINE_OCTETS + 4)), { kind: 'failure', reason: 'malformed' });
  assert.deepEqual(auth.calls, []);
});

void test('authenticator answers pass through: locked-out and temporary', async () => {
  for (const reason of ['locked-out', 'temporary'] as const) {
    const session = createSaslSession('PLAIN', stubAuthenticator(async () => ({ ok: false, reason })), OPTIONS);
    assert.ok(session);
    assert.deepEqual(await session.start(b64('\0alice@example.com\0right-password')), { kind: 'failure', reason });
  }
  const scram = createSaslSession('SCRAM-SHA-256', stubAuthenticator(), OPTIONS);
  assert.ok(scram);
  assert.deepEqual(await scram.start(b64('n,,n=alice@example.com,r=abc')), { kind: 'failure', reason: 'temporary' });
});

void test('a bug (exception) in a step propagates and ends the session', async () => {
  const session = createSaslSession('PLAIN', stubAuthenticator(async () => Promise.reject(new Error('bug'))), OPTIONS);
  assert.ok(session);
  await assert.rejects(session.start(b64('\0alice@example.com\0right-password')), /bug/);
  assert.deepEqual(await session.respond(''), { kind: 'failure', reason: 'malformed' });
});

void test('property: any sequence of lines to any mechanism never throws and ends at most once', async () => {
  const line = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('', '*', '=', b64('\0alice@example.com\0right-password'), b64('n,,n=a@b.c,r=x'), b64('alice@example.com')),
    fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  );
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...SASL_MECHANISMS), fc.option(line, { nil: undefined }), fc.array(line, { maxLength: 5 }), async (name, initial, lines) => {
      const session = createSaslSession(name, stubAuthenticator(), OPTIONS);
      assert.ok(session);
      const outcomes = [await session.start(initial)];
      for (const next of lines) outcomes.push(await session.respond(next));
      const ends = outcomes.findIndex((outcome) => outcome.kind !== 'challenge');
      if (ends >= 0) {
        assert.ok(outcomes.slice(ends + 1).every((outcome) => outcome.kind === 'failure' && outcome.reason === 'malformed'));
      }
    }),
    { numRuns: 300 },
  );
});
