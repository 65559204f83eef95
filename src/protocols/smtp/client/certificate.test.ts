import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { generateSelfSigned } from '../../../tls/certificates.ts';
import { allowedMxHost, certificateProblem, matchesMxPattern } from './certificate.ts';

void test('RFC 8461 §4.1: mx patterns match a name exactly, or one leftmost label under "*."', () => {
  const cases: readonly (readonly [string, string, boolean])[] = [
    ['mail.example.com', 'mail.example.com', true],
    ['MAIL.Example.COM.', 'mail.example.com', true],
    ['mail.example.com', 'mail.example.com.', true],
    ['mx1.example.com', '*.example.com', true],
    ['MX1.EXAMPLE.COM', '*.Example.com', true],
    ['example.com', '*.example.com', false],
    ['a.b.example.com', '*.example.com', false],
    ['mx1.example.com.evil', '*.example.com', false],
    ['mx1.notexample.com', '*.example.com', false],
    ['mail.example.com', 'example.com', false],
    ['mail.example.com', '*', false],
    ['mail.example.com', '*.', false],
    ['mail.example.com', '', false],
    ['', '*.example.com', false],
    ['*.example.com', '*.example.com', false],
    ['x*.example.com', '*.example.com', false],
  ];
  for (const [host, pattern, matches] of cases) assert.equal(matchesMxPattern(host, pattern), matches, `${host} ~ ${pattern}`);
  assert.equal(allowedMxHost('mx2.example.net', ['mail.example.com', '*.example.net']), true);
  assert.equal(allowedMxHost('mx2.example.org', ['mail.example.com', '*.example.net']), false);
  assert.equal(allowedMxHost('mx2.example.org', []), false);
});

void test('certificateProblem: the chain must verify and the certificate must name the host (RFC 8461 §4.2, RFC 6125)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'postwarden-client-cert-'));
  try {
    const files = await generateSelfSigned('mx.sink.test', dir);
    const certificate = new X509Certificate(await readFile(files.cert)).toLegacyObject() as PeerCertificate;
    assert.equal(certificateProblem('mx.sink.test', { chainVerified: true, certificate }), undefined);
    assert.equal(certificateProblem('MX.Sink.Test', { chainVerified: true, certificate }), undefined);
    assert.equal(certificateProblem('127.0.0.1', { chainVerified: true, certificate }), undefined, 'an IP SAN');
    assert.match(certificateProblem('other.sink.test', { chainVerified: true, certificate }) ?? '', /not valid for other\.sink\.test/);
    assert.match(certificateProblem('mx.sink.test', { chainVerified: false, chainError: 'DEPTH_ZERO_SELF_SIGNED_CERT', certificate }) ?? '', /chain does not verify \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    assert.match(certificateProblem('mx.sink.test', { chainVerified: true, certificate: undefined }) ?? '', /no certificate/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
