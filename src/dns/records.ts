// The DNS records an operator publishes for a mail domain, as zone-file lines:
// MX (RFC 5321 §5), SPF (RFC 7208), DKIM (RFC 6376 §3.6.2, RFC 8463), DMARC (RFC 7489 §6.3),
// MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3). TXT data longer than 255 octets is split
// into several character-strings (RFC 1035 §3.3.14, RFC 7208 §3.3).

export interface DkimRecordKey {
  readonly selector: string;
  readonly algorithm: 'rsa-sha256' | 'ed25519-sha256';
  readonly publicKey: string;
}

export interface DomainRecordsInput {
  /** Canonical mail domain. */
  readonly domain: string;
  /** The server's hostname (MX target, MTA-STS mx line). */
  readonly hostname: string;
  readonly dkim: readonly DkimRecordKey[];
  /**
   * Retired DKIM keys (no longer signing): listed in their own marked section, to stay
   * published until mail signed with them has been delivered and verified.
   */
  readonly retiredDkim?: readonly DkimRecordKey[];
  /** Sending addresses of the IP pools, for SPF. */
  readonly sendingAddresses: readonly string[];
  /** MTA-STS policy id (changes when the policy changes). */
  readonly stsPolicyId: string;
}

const MAX_CHARACTER_STRING = 255;

/** Quotes TXT data as one or more <character-string>s. */
export function txtData(text: string): string {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += MAX_CHARACTER_STRING) parts.push(text.slice(i, i + MAX_CHARACTER_STRING));
  return parts.map((part) => `"${part.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(' ');
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

export function spfRecord(sendingAddresses: readonly string[]): string {
  const mechanisms = sendingAddresses.map((address) => (address.includes(':') ? `ip6:${address}` : `ip4:${address}`));
  return ['v=spf1', 'mx', ...mechanisms, '-all'].join(' ');
}

export function dkimRecord(key: DkimRecordKey): string {
  return `v=DKIM1; k=${key.algorithm === 'rsa-sha256' ? 'rsa' : 'ed25519'}; p=${key.publicKey}`;
}

/** The MTA-STS policy file served at https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2). */
export function mtaStsPolicy(hostname: string, mode: 'testing' | 'enforce' = 'testing'): string {
  return `version: STSv1\r\nmode: ${mode}\r\nmx: ${hostname}\r\nmax_age: 604800\r\n`;
}

function dkimLine(domain: string, key: DkimRecordKey): string {
  return `${key.selector}._domainkey.${domain} 3600 IN TXT ${txtData(dkimRecord(key))}`;
}

export function domainRecords(input: DomainRecordsInput): string[] {
  const domain = fqdn(input.domain);
  const host = fqdn(input.hostname);
  const lines = [
    `; Mail records for ${input.domain}`,
    `${domain} 3600 IN MX 10 ${host}`,
    `${domain} 3600 IN TXT ${txtData(spfRecord(input.sendingAddresses))}`,
  ];
  for (const key of input.dkim) lines.push(dkimLine(domain, key));
  lines.push(
    `_dmarc.${domain} 3600 IN TXT ${txtData(`v=DMARC1; p=quarantine; adkim=r; aspf=r; rua=mailto:postmaster@${input.domain}`)}`,
    `_mta-sts.${domain} 3600 IN TXT ${txtData(`v=STSv1; id=${input.stsPolicyId}`)}`,
    `mta-sts.${domain} 3600 IN CNAME ${host}`,
    `_smtp._tls.${domain} 3600 IN TXT ${txtData(`v=TLSRPTv1; rua=mailto:postmaster@${input.domain}`)}`,
    `; Also publish an A/AAAA record for ${host} and, for each sending address, a PTR record naming it.`,
  );
  const retired = input.retiredDkim ?? [];
  if (retired.length > 0) {
    lines.push(`; Retired DKIM keys (no longer signing): keep published for a few days so mail in transit still verifies, then remove.`);
    for (const key of retired) lines.push(dkimLine(domain, key));
  }
  return lines;
}
