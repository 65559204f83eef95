import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ManualClock } from '../../core/clock.ts';
import type { Account } from '../../storage/api.ts';
import { Authenticator, type SaslAuthenticator } from '../authenticator.ts';
import { FakeAccounts, recordingSleep, TEST_SCRYPT_PARAMS } from '../fake-accounts.test-support.ts';
import { makeScramVerifier, parseScramVerifier } from '../scram.ts';
import { createSaslSession, type SaslOutcome } from './session.ts';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');

// RFC 7677 §3 test vector, as the base64 lines a protocol would carry.
const RFC = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const USER_ACCOUNT: Account = {
  id: 1,
  domainId: 1,
  address: 'user',
  credentials: { passwordHash: '', scramSha256: '' },
  quotaBytes: null,
  usedBytes: 0,
  createdAt: new Date(0),
};

/** An authenticator that knows only the RFC 7677 user, whose name is not an address. */
async function rfcAuthenticator(): Promise<SaslAuthenticator> {
  const made = await makeScramVerifier('pencil', { salt: new Uint8Array(Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')), iterations: 4096 });
  assert.ok(made.ok);
  const verifier = parseScramVerifier(made.value);
  assert.ok(verifier.ok);
  return {
    authenticate: async () => ({ ok: false, reason: 'invalid-credentials' }),
    scramLookup: async (username, remoteAddress) => {
      assert.equal(username, 'user');
      return { ok: true, subject: { verifier: verifier.value, address: 'user', remoteAddress, account: USER_ACCOUNT } };
    },
    scramFinish: async (subject, proofValid) =>
      proofValid && subject.account ? { ok: true, account: subject.account } : { ok: false, reason: 'invalid-credentials' },
  };
}

void test('RFC 7677 §3 exchange through a SASL session, with an initial response', async () => {
  const session = createSaslSession('SCRAM-SHA-256', await rfcAuthenticator(), {
    remoteAddress: '192.0.2.1',
    tls: true,
    scramServerNonce: () => RFC.serverNonce,
  });
  assert.ok(session);
  assert.deepEqual(await session.start(b64(RFC.clientFirst)), { kind: 'challenge', data: b64(RFC.serverFirst) });
  assert.deepEqual(await session.respond(b64(RFC.clientFinal)), { kind: 'success', account: USER_ACCOUNT, finalData: b64(RFC.serverFinal) });
  assert.deepEqual(await session.respond(''), { kind: 'failure', reason: 'malformed' }, 'single use');
});

void test('RFC 7677 §3 exchange without an initial response starts with an empty challenge', async () => {
  const session = createSaslSession('scram-sha-256', await rfcAuthenticator(), {
    remoteAddress: '192.0.2.1',
    tls: true,
    scramServerNonce: () => RFC.serverNonce,
  });
  assert.ok(session);
  assert.deepEqual(await session.start(), { kind: 'challenge', data: '' });
  assert.deepEqual(await session.respond(b64(RFC.clientFirst)), { kind: 'challenge', data: b64(RFC.serverFirst) });
  const tampered = RFC.clientFinal.replace('p=dHzb', 'p=dHzc');
  assert.deepEqual(await session.respond(b64(tampered)), { kind: 'failure', reason: 'invalid-credentials' });
});

/** A SCRAM-SHA-256 client (RFC 5802 §3), written independently of the server code. */
class ScramClient {
  private readonly password: string;
  private readonly gs2Header: string;
  private readonly bare: string;
  private serverSignature = '';
  readonly first: string;

  constructor(username: string, password: string, gs2Header = 'n,,') {
    this.password = password;
    this.gs2Header = gs2Header;
    this.bare = `n=${username.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${randomBytes(18).toString('base64')}`;
    this.first = gs2Header + this.bare;
  }

  final(serverFirst: string): string {
    const attributes = new Map(serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)]));
    const nonce = attributes.get('r') ?? '';
    const salt = Buffer.from(attributes.get('s') ?? '', 'base64');
    const iterations = Number(attributes.get('i'));
    const salted = pbkdf2Sync(this.password.normalize('NFKC'), salt, iterations, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const withoutProof = `c=${b64(this.gs2Header)},r=${nonce}`;
    const authMessage = `${this.bare},${serverFirst},${withoutProof}`;
    const signature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = clientKey.map((byte, i) => byte ^ (signature[i] ?? 0));
    const serverKey = createHmac('sha256', salted).update('Server Key').digest();
    this.serverSignature = createHmac('sha256', serverKey).update(authMessage).digest('base64');
    return `${withoutProof},p=${Buffer.from(proof).toString('base64')}`;
  }

  /** RFC 5802 §5.1 "v": the client checks the server knew the verifier too. */
  verifyServerFinal(serverFinal: string): boolean {
    return serverFinal === `v=${this.serverSignature}`;
  }
}

async function realSetup(): Promise<{ auth: Authenticator; delays: number[] }> {
  const accounts = new FakeAccounts();
  await accounts.add('alice@example.com', 'pässwörd-1234');
  const { sleep, delays } = recordingSleep();
  const auth = new Authenticator({ accounts, clock: new ManualClock(), sleep, scryptParams: TEST_SCRYPT_PARAMS });
  return { auth, delays };
}

async function exchange(auth: Authenticator, client: ScramClient): Promise<{ outcomes: SaslOutcome[]; serverVerified: boolean }> {
  const session = createSaslSession('SCRAM-SHA-256', auth, { remoteAddress: '2001:db8::5', tls: true });
  assert.ok(session);
  const first = await session.start(b64(client.first));
  if (first.kind !== 'challenge') return { outcomes: [first], serverVerified: false };
  const final = await session.respond(b64(client.final(unb64(first.data))));
  const serverVerified = final.kind === 'success' && client.verifyServerFinal(unb64(final.finalData ?? ''));
  return { outcomes: [first, final], serverVerified };
}

const kinds = (outcomes: SaslOutcome[]): string[] => outcomes.map((outcome) => (outcome.kind === 'failure' ? `failure:${outcome.reason}` : outcome.kind));

void test('full exchange against the Authenticator: success, and the client verifies the server', async () => {
  const { auth } = await realSetup();
  const { outcomes, serverVerified } = await exchange(auth, new ScramClient('Alice@example.com', 'pässwörd-1234'));
  assert.deepEqual(kinds(outcomes), ['challenge', 'success']);
  assert.ok(serverVerified);
  const withAuthzid = await exchange(auth, new ScramClient('alice@example.com', 'pässwörd-1234', 'y,a=alice@example.com,'));
  assert.deepEqual(kinds(withAuthzid.outcomes), ['challenge', 'success']);
});

void test('wrong password and unknown user look the same and are throttled alike', async () => {
  const { auth, delays } = await realSetup();
  const wrong = await exchange(auth, new ScramClient('alice@example.com', 'wrong'));
  const unknown = await exchange(auth, new ScramClient('nobody@example.com', 'wrong'));
  assert.deepEqual(kinds(wrong.outcomes), ['challenge', 'failure:invalid-credentials']);
  assert.deepEqual(kinds(unknown.outcomes), ['challenge', 'failure:invalid-credentials']);
  // The server-first-messages have the same shape: nonce, 16-byte salt, same iteration count.
  const shape = (outcomes: SaslOutcome[]): string =>
    outcomes[0]?.kind === 'challenge' ? unb64(outcomes[0].data).replace(/^r=[^,]+,s=[A-Za-z0-9+/]{22}==,/, 'r=*,s=*,') : '';
  assert.equal(shape(unknown.outcomes), 'r=*,s=*,i=10000');
  assert.equal(shape(wrong.outcomes), 'r=*,s=*,i=10000');
  // Both IP failures are on one /64 record: two more failures from there start the delays.
  await exchange(auth, new ScramClient('nobody@example.com', 'wrong'));
  await exchange(auth, new ScramClient('nobody@example.com', 'wrong'));
  assert.deepEqual(delays, [250]);
});

void test('SCRAM protocol errors are malformed; a foreign authzid is refused', async () => {
  const { auth } = await realSetup();
  const cases: [string, string[]][] = [
    ['p=tls-server-end-point,,n=alice@example.com,r=abc', ['failure:malformed']],
    ['n,,m=ext,n=alice@example.com,r=abc', ['failure:malformed']],
    ['n,,n=alice@example.com', ['failure:malformed']],
    ['n,a=bob@example.com,n=alice@example.com,r=abc', ['failure:invalid-credentials']],
  ];
  for (const [message, expected] of cases) {
    const session = createSaslSession('SCRAM-SHA-256', auth, { remoteAddress: '192.0.2.1', tls: true });
    assert.ok(session);
    assert.deepEqual(kinds([await session.start(b64(message))]), expected, message);
  }
  // A client-final whose channel binding does not match its gs2-header.
  const client = new ScramClient('alice@example.com', 'pässwörd-1234', 'y,,');
  const session = createSaslSession('SCRAM-SHA-256', auth, { remoteAddress: '192.0.2.1', tls: true });
  assert.ok(session);
  const first = await session.start(b64(client.first));
  assert.equal(first.kind, 'challenge');
  const final = client.final(first.kind === 'challenge' ? unb64(first.data) : '').replace(`c=${b64('y,,')}`, 'c=biws');
  assert.deepEqual(await session.respond(b64(final)), { kind: 'failure', reason: 'malformed' });
});
