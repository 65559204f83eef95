import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replyKind } from './reply-kind.ts';

void test('rate-limit and block replies are told apart from ordinary refusals', () => {
  const cases: [number, string | undefined, string, string][] = [
    [421, '4.7.0', 'Too many connections from your IP, slow down', 'rate-limit'],
    [450, '4.2.1', 'The user you are trying to contact is receiving mail at a rate that prevents additional messages', 'rate-limit'],
    [451, '4.4.5', 'Server busy', 'rate-limit'],
    [421, undefined, 'mx.example busy, try later', 'rate-limit'],
    [550, '5.7.1', 'Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'blocked'],
    [554, '5.7.1', 'Your IP is listed on a blocklist', 'blocked'],
    [550, '5.7.606', 'Access denied, banned sending IP [192.0.2.1]', 'blocked'],
    [550, '5.1.1', 'No such user', 'other'],
    [451, '4.7.1', 'Greylisted, try again in 5 minutes', 'other'],
    [552, '5.2.2', 'Mailbox full', 'other'],
  ];
  for (const [code, enhanced, text, kind] of cases) assert.equal(replyKind({ code, ...(enhanced ? { enhanced } : {}), text }), kind, text);
  assert.equal(replyKind(undefined), 'other');
});
