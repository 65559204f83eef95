import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BUCKET_MS,
  MemoryTlsRptStore,
  noPolicyFound,
  reportDateTime,
  reportDay,
  stsReportPolicy,
  tlsReport,
  tlsReportJson,
  tlsaReportPolicy,
  unfetchedStsReportPolicy,
  type TlsRptFailure,
} from './tls-rpt.ts';

const DAY = Date.UTC(2016, 3, 1); // 2016-04-01T00:00:00Z, the day of RFC 8460's example
const STS = stsReportPolicy({
  domain: 'company-y.example',
  lines: ['version: STSv1', 'mode: testing', 'mx: *.mail.company-y.example', 'max_age: 86400'],
  mx: ['*.mail.company-y.example'],
});
const EXPIRED: TlsRptFailure = {
  resultType: 'certificate-expired',
  sendingMtaIp: '2001:db8:abcd:0012::1',
  receivingMxHostname: 'mx1.mail.company-y.example',
};
const STARTTLS: TlsRptFailure = {
  resultType: 'starttls-not-supported',
  sendingMtaIp: '2001:db8:abcd:0013::1',
  receivingMxHostname: 'MX2.mail.company-y.example.',
  receivingIp: '203.0.113.56',
};
const VALIDATION: TlsRptFailure = {
  resultType: 'validation-failure',
  sendingMtaIp: '198.51.100.62',
  receivingIp: '203.0.113.58',
  receivingMxHostname: 'mx-backup.mail.company-y.example',
  failureReasonCode: 'X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED',
};

async function exampleStore(): Promise<MemoryTlsRptStore> {
  const store = new MemoryTlsRptStore();
  const at = (hour: number) => DAY + hour * BUCKET_MS + 1234;
  for (let i = 0; i < 5; i++) await store.record({ at: at(i), policy: STS, outcome: 'success' });
  for (let i = 0; i < 3; i++) await store.record({ at: at(i + 1), policy: STS, outcome: 'failure', failure: EXPIRED });
  for (let i = 0; i < 2; i++) await store.record({ at: at(23), policy: STS, outcome: 'failure', failure: STARTTLS });
  await store.record({ at: at(7), policy: STS, outcome: 'failure', failure: VALIDATION });
  // another day, another domain, another policy type: not in the report
  await store.record({ at: at(24), policy: STS, outcome: 'success' });
  await store.record({ at: at(-1), policy: STS, outcome: 'failure', failure: EXPIRED });
  await store.record({ at: at(3), policy: noPolicyFound('other.example'), outcome: 'success' });
  return store;
}

void describe('MemoryTlsRptStore and tlsReport (RFC 8460 §4.4)', () => {
  void it('aggregates one policy domain over one day into the exact report', async () => {
    const store = await exampleStore();
    const { start, end } = reportDay(DAY + 5 * BUCKET_MS);
    assert.deepEqual([start, end], [DAY, DAY + 86_400_000]);
    assert.deepEqual(await store.domains(start, end), ['company-y.example', 'other.example']);
    const report = tlsReport({
      organizationName: 'Company-X',
      contactInfo: 'sts-reporting@company-x.example',
      reportId: '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
      start,
      end,
      aggregates: await store.aggregate('Company-Y.example', start, end),
    });
    const expected = {
      'organization-name': 'Company-X',
      'date-range': { 'start-datetime': '2016-04-01T00:00:00Z', 'end-datetime': '2016-04-01T23:59:59Z' },
      'contact-info': 'sts-reporting@company-x.example',
      'report-id': '5065427c-23d3-47ca-b6e0-946ea0e8c4be',
      policies: [
        {
          policy: {
            'policy-type': 'sts',
            'policy-string': ['version: STSv1', 'mode: testing', 'mx: *.mail.company-y.example', 'max_age: 86400'],
            'policy-domain': 'company-y.example',
            'mx-host': ['*.mail.company-y.example'],
          },
          summary: { 'total-successful-session-count': 5, 'total-failure-session-count': 6 },
          'failure-details': [
            {
              'result-type': 'certificate-expired',
              'sending-mta-ip': '2001:db8:abcd:0012::1',
              'receiving-mx-hostname': 'mx1.mail.company-y.example',
              'failed-session-count': 3,
            },
            {
              'result-type': 'starttls-not-supported',
              'sending-mta-ip': '2001:db8:abcd:0013::1',
              'receiving-mx-hostname': 'mx2.mail.company-y.example',
              'receiving-ip': '203.0.113.56',
              'failed-session-count': 2,
            },
            {
              'result-type': 'validation-failure',
              'sending-mta-ip': '198.51.100.62',
              'receiving-mx-hostname': 'mx-backup.mail.company-y.example',
              'receiving-ip': '203.0.113.58',
              'failed-session-count': 1,
              'failure-reason-code': 'X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED',
            },
          ],
        },
      ],
    };
    assert.deepEqual(report, expected);
    // Key order is part of the format we promise: the JSON text is exactly this.
    assert.equal(tlsReportJson({ organizationName: 'Company-X', contactInfo: 'sts-reporting@company-x.example', reportId: '5065427c-23d3-47ca-b6e0-946ea0e8c4be', start, end, aggregates: await store.aggregate('company-y.example', start, end) }), JSON.stringify(expected));
  });

  void it('keeps policies apart and omits what is empty', async () => {
    const store = new MemoryTlsRptStore();
    const tlsa = tlsaReportPolicy('example.test', 'mx.example.test', ['3 1 1 AB01']);
    await store.record({ at: DAY, policy: tlsa, outcome: 'success' });
    await store.record({ at: DAY, policy: tlsa, outcome: 'failure', failure: { resultType: 'validation-failure', receivingMxHostname: 'mx.example.test', additionalInformation: 'https://example.test/why' } });
    await store.record({ at: DAY, policy: noPolicyFound('example.test'), outcome: 'success' });
    await store.record({ at: DAY, policy: unfetchedStsReportPolicy('example.test'), outcome: 'failure', failure: { resultType: 'sts-policy-fetch-error', receivingMxHostname: 'mx.example.test' } });
    const report = tlsReport({ organizationName: 'o', contactInfo: 'c', reportId: 'r', start: DAY, end: DAY + 86_400_000, aggregates: await store.aggregate('example.test', DAY, DAY + 86_400_000) });
    assert.deepEqual(report.policies, [
      { policy: { 'policy-type': 'no-policy-found', 'policy-domain': 'example.test' }, summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 } },
      {
        policy: { 'policy-type': 'sts', 'policy-domain': 'example.test' },
        summary: { 'total-successful-session-count': 0, 'total-failure-session-count': 1 },
        'failure-details': [{ 'result-type': 'sts-policy-fetch-error', 'receiving-mx-hostname': 'mx.example.test', 'failed-session-count': 1 }],
      },
      {
        policy: { 'policy-type': 'tlsa', 'policy-string': ['3 1 1 AB01'], 'policy-domain': 'example.test', 'mx-host': ['mx.example.test'] },
        summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 1 },
        'failure-details': [{ 'result-type': 'validation-failure', 'receiving-mx-hostname': 'mx.example.test', 'failed-session-count': 1, 'additional-information': 'https://example.test/why' }],
      },
    ]);
  });

  void it('forgets pruned results', async () => {
    const store = await exampleStore();
    await store.prune(DAY + 86_400_000);
    assert.deepEqual(await store.domains(0, DAY + 86_400_000), []);
    assert.deepEqual(await store.domains(DAY + 86_400_000, DAY + 2 * 86_400_000), ['company-y.example']);
  });

  void it('counts every recorded session exactly once, whatever the order', async () => {
    const failure = fc.record({ resultType: fc.constantFrom('starttls-not-supported', 'validation-failure', 'certificate-expired' as const), receivingMxHostname: fc.constantFrom('a.test', 'b.test') });
    const event = fc.record({ hour: fc.integer({ min: 0, max: 47 }), fail: fc.option(failure, { nil: undefined }), policy: fc.constantFrom(STS, noPolicyFound('company-y.example')) });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 40 }), async (events) => {
        const store = new MemoryTlsRptStore();
        for (const e of events) {
          const at = DAY + e.hour * BUCKET_MS;
          await store.record(e.fail ? { at, policy: e.policy, outcome: 'failure', failure: e.fail } : { at, policy: e.policy, outcome: 'success' });
        }
        const firstDay = await store.aggregate('company-y.example', DAY, DAY + 86_400_000);
        const secondDay = await store.aggregate('company-y.example', DAY + 86_400_000, DAY + 2 * 86_400_000);
        const total = [...firstDay, ...secondDay].reduce((sum, a) => sum + a.successes + a.failures.reduce((s, f) => s + f.count, 0), 0);
        assert.equal(total, events.length);
        const reversed = new MemoryTlsRptStore();
        for (const e of [...events].reverse()) {
          const at = DAY + e.hour * BUCKET_MS;
          await reversed.record(e.fail ? { at, policy: e.policy, outcome: 'failure', failure: e.fail } : { at, policy: e.policy, outcome: 'success' });
        }
        assert.deepEqual(await reversed.aggregate('company-y.example', DAY, DAY + 86_400_000), firstDay);
      }),
    );
  });
});

void describe('reportDateTime', () => {
  void it('prints RFC 3339 UTC without fractions', () => {
    assert.equal(reportDateTime(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '2024-01-02T03:04:05Z');
  });
});
