import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dkimRecord, domainRecords, mtaStsPolicy, spfRecord, txtData, type DomainRecordsInput } from './records.ts';

/** Reverses txtData: the character-strings of a TXT rdata in presentation form. */
function unquote(rdata: string): string[] {
  const strings: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"( |$)/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(rdata)) !== null) {
    strings.push((match[1] ?? '').replace(/\\(.)/g, '$1'));
    if (pattern.lastIndex >= rdata.length) break;
  }
  assert.equal(pattern.lastIndex, rdata.length, `unparsed TXT data: ${rdata}`);
  return strings;
}

void describe('txtData', () => {
  void it('quotes short data as one string', () => {
    assert.equal(txtData('v=spf1 -all'), '"v=spf1 -all"');
    assert.equal(txtData(''), '');
  });

  void it('splits at 255 characters', () => {
    assert.equal(txtData('a'.repeat(255)), `"${'a'.repeat(255)}"`);
    assert.equal(txtData('a'.repeat(256)), `"${'a'.repeat(255)}" "a"`);
    assert.equal(txtData(`${'a'.repeat(255)}${'b'.repeat(255)}`), `"${'a'.repeat(255)}" "${'b'.repeat(255)}"`);
    assert.equal(txtData('c'.repeat(511)), `"${'c'.repeat(255)}" "${'c'.repeat(255)}" "c"`);
  });

  void it('escapes double quotes and backslashes', () => {
    assert.equal(txtData('say "hi"'), '"say \\"hi\\""');
    assert.equal(txtData('a\\b'), '"a\\\\b"');
    assert.equal(txtData('"\\"'), '"\\"\\\\\\""');
  });

  void it('splits before escaping, so each string holds 255 characters of data', () => {
    const data = `${'"'.repeat(255)}\\`;
    assert.equal(txtData(data), `"${'\\"'.repeat(255)}" "\\\\"`);
  });

  void it('property: the strings join back to the data, each at most 255 characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '"', '\\', ';', '='), maxLength: 800 }), (data) => {
        const strings = data === '' ? [] : unquote(txtData(data));
        assert.equal(strings.join(''), data);
        for (const s of strings) assert.ok(s.length >= 1 && s.length <= 255);
        assert.equal(strings.length, Math.ceil(data.length / 255));
      }),
    );
  });
});

void describe('spfRecord', () => {
  void it('authorizes the MX hosts and fails everything else', () => {
    assert.equal(spfRecord([]), 'v=spf1 mx -all');
  });

  void it('lists IPv4 addresses as ip4 and IPv6 addresses as ip6', () => {
    assert.equal(spfRecord(['192.0.2.10', '2001:db8::10', '198.51.100.7']), 'v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 ip4:198.51.100.7 -all');
    assert.equal(spfRecord(['::ffff:192.0.2.1']), 'v=spf1 mx ip6:::ffff:192.0.2.1 -all');
  });
});

void describe('dkimRecord', () => {
  void it('writes an RSA key record', () => {
    assert.equal(dkimRecord({ selector: 'pw202611r', algorithm: 'rsa-sha256', publicKey: 'MIIBIjAN' }), 'v=DKIM1; k=rsa; p=MIIBIjAN');
  });

  void it('writes an Ed25519 key record', () => {
    assert.equal(dkimRecord({ selector: 'pw202611e', algorithm: 'ed25519-sha256', publicKey: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' }), 'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=');
  });
});

void describe('mtaStsPolicy', () => {
  void it('writes the RFC 8461 policy with CRLF lines', () => {
    assert.equal(mtaStsPolicy('mail.example.com'), 'version: STSv1\r\nmode: testing\r\nmx: mail.example.com\r\nmax_age: 604800\r\n');
    assert.match(mtaStsPolicy('mail.example.com', 'enforce'), /\r\nmode: enforce\r\n/);
  });
});

void describe('domainRecords', () => {
  const rsaKey = `MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'x'.repeat(330)}IDAQAB`;
  const input: DomainRecordsInput = {
    domain: 'example.com',
    hostname: 'mail.example.com',
    dkim: [
      { selector: 'pw202611r', algorithm: 'rsa-sha256', publicKey: rsaKey },
      { selector: 'pw202611e', algorithm: 'ed25519-sha256', publicKey: '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=' },
    ],
    sendingAddresses: ['192.0.2.10', '2001:db8::10'],
    stsPolicyId: '20261101T000000',
  };
  const lines = domainRecords(input);
  const records = lines.filter((line) => !line.startsWith(';'));
  const find = (prefix: string): string[] => records.filter((line) => line.startsWith(prefix));

  void it('has an MX record pointing at the hostname', () => {
    assert.deepEqual(find('example.com. 3600 IN MX'), ['example.com. 3600 IN MX 10 mail.example.com.']);
  });

  void it('has an SPF record at the domain', () => {
    assert.deepEqual(find('example.com. 3600 IN TXT'), ['example.com. 3600 IN TXT "v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 -all"']);
  });

  void it('has one DKIM record per key, split into 255-character strings', () => {
    const rsa = find('pw202611r._domainkey.example.com. 3600 IN TXT ');
    const ed = find('pw202611e._domainkey.example.com. 3600 IN TXT ');
    assert.equal(rsa.length, 1);
    assert.equal(ed.length, 1);
    const rsaStrings = unquote((rsa[0] ?? '').slice('pw202611r._domainkey.example.com. 3600 IN TXT '.length));
    assert.ok(rsaStrings.length >= 2, 'a 2048-bit key needs more than one string');
    assert.equal(rsaStrings.join(''), `v=DKIM1; k=rsa; p=${rsaKey}`);
    assert.equal(ed[0], 'pw202611e._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="');
    assert.equal(records.filter((line) => line.includes('._domainkey.')).length, 2);
  });

  void it('has DMARC, MTA-STS and TLS-RPT records', () => {
    assert.deepEqual(find('_dmarc.example.com. 3600 IN TXT'), ['_dmarc.example.com. 3600 IN TXT "v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@example.com"']);
    assert.deepEqual(find('_mta-sts.example.com. 3600 IN TXT'), ['_mta-sts.example.com. 3600 IN TXT "v=STSv1; id=20261101T000000"']);
    assert.deepEqual(find('mta-sts.example.com. 3600 IN CNAME'), ['mta-sts.example.com. 3600 IN CNAME mail.example.com.']);
    assert.deepEqual(find('_smtp._tls.example.com. 3600 IN TXT'), ['_smtp._tls.example.com. 3600 IN TXT "v=TLSRPTv1; rua=mailto:postmaster@example.com"']);
  });

  void it('writes every owner name and target as a fully qualified name with one trailing dot', () => {
    assert.equal(records.length, 8);
    for (const line of records) {
      const [owner = '', ttl, klass, type, ...rest] = line.split(' ');
      assert.ok(owner.endsWith('.example.com.') || owner === 'example.com.', line);
      assert.ok(!owner.endsWith('..'), line);
      assert.equal(ttl, '3600');
      assert.equal(klass, 'IN');
      if (type === 'MX' || type === 'CNAME') assert.equal(rest.at(-1), 'mail.example.com.', line);
    }
  });

  void it('does not double a trailing dot already present', () => {
    const dotted = domainRecords({ ...input, domain: 'example.com.', hostname: 'mail.example.com.', dkim: [] });
    assert.ok(dotted.includes('example.com. 3600 IN MX 10 mail.example.com.'));
    const dottedRecords = dotted.filter((line) => !line.startsWith(';'));
    assert.ok(!dottedRecords.some((line) => line.includes('..')), dotted.join('\n'));
  });

  void it('leaves out DKIM lines when there is no key', () => {
    const none = domainRecords({ ...input, dkim: [] });
    assert.ok(!none.some((line) => line.includes('_domainkey')));
  });

  void it('lists retired DKIM keys last, in their own marked section', () => {
    const retired = { selector: 'pw202605e', algorithm: 'ed25519-sha256', publicKey: 'OLDKEY' } as const;
    const rotated = domainRecords({ ...input, retiredDkim: [retired] });
    const marker = rotated.findIndex((line) => line.startsWith('; Retired DKIM keys'));
    assert.ok(marker > 0, rotated.join('\n'));
    assert.match(rotated[marker] ?? '', /keep published for a few days so mail in transit still verifies/);
    assert.deepEqual(rotated.slice(marker + 1), ['pw202605e._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=ed25519; p=OLDKEY"']);
    assert.ok(rotated.slice(0, marker).some((line) => line.startsWith('pw202611e._domainkey.')), 'active keys stay in the main section');
    assert.ok(!lines.some((line) => line.startsWith('; Retired')), 'no section without retired keys');
    assert.deepEqual(domainRecords({ ...input, retiredDkim: [] }), lines);
  });
});
