import assert from 'node:assert/strict';
import { test } from 'node:test';
import { capabilityLines, type CapabilityFacts } from './capabilities.ts';
import { isLoopbackAddress } from './loopback.ts';

const BASE: CapabilityFacts = { tls: false, stlsOffered: true, authAllowed: false, expire: 'never', loginDelaySeconds: 0 };

void test('CAPA before TLS: no USER, no SASL, STLS offered (RFC 2449 §5, RFC 2595 §4)', () => {
  assert.deepEqual(capabilityLines(BASE), ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'UTF8 USER', 'STLS']);
});

void test('CAPA under TLS: USER and SASL, no STLS', () => {
  const facts = { ...BASE, tls: true, authAllowed: true };
  assert.deepEqual(capabilityLines(facts), ['TOP', 'UIDL', 'USER', 'SASL SCRAM-SHA-256 PLAIN LOGIN', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE NEVER', 'UTF8 USER']);
  assert.deepEqual(capabilityLines({ ...facts, stlsOffered: false }), capabilityLines(facts), 'pop3s lists the same');
});

void test('CAPA in plaintext on loopback when allowed: USER, SASL and STLS; EXPIRE and LOGIN-DELAY from the config', () => {
  const lines = capabilityLines({ ...BASE, authAllowed: true, expire: '0', loginDelaySeconds: 900 });
  assert.deepEqual(lines, ['TOP', 'UIDL', 'USER', 'SASL SCRAM-SHA-256 PLAIN LOGIN', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'EXPIRE 0', 'LOGIN-DELAY 900', 'UTF8 USER', 'STLS']);
});

void test('loopback addresses (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3 and §2.5.5.2)', () => {
  for (const address of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:127.0.0.2']) assert.equal(isLoopbackAddress(address), true, address);
  for (const address of ['', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', '127.0.0.1.example', 'localhost', '1127.0.0.1', '::ffff:127.0.0']) {
    assert.equal(isLoopbackAddress(address), false, address);
  }
});
