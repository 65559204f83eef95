// The key a client address is throttled under: an IPv4 address as itself, an IPv6 address
// by its /64 prefix (one subscriber usually holds a whole /64), an IPv4-mapped IPv6 address
// as the IPv4 address it carries. Input it does not trust: the remote address string (from
// the socket, or a proxy header); anything unparseable becomes its own bounded key.
//
// Standards: RFC 4291 §2.2 (IPv6 text forms), §2.5.5.2 (IPv4-mapped addresses),
// RFC 6177 / RFC 7934 (a /64 per end site or host), RFC 4007 §11 (zone index, ignored).

import { isIPv4, isIPv6 } from 'node:net';

/** Bound on the key made from an unparseable address. */
const MAX_OTHER_KEY_LENGTH = 64;

export function ipGroupKey(remoteAddress: string): string {
  const address = remoteAddress.replace(/%.*$/s, '');
  if (isIPv4(address)) return address;
  if (isIPv6(address)) {
    const groups = expandIPv6(address);
    if (groups !== undefined) {
      // RFC 4291 §2.5.5.2: ::ffff:a.b.c.d is an IPv4 address.
      if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
        const high = groups[6] ?? 0;
        const low = groups[7] ?? 0;
        return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
      }
      return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
    }
  }
  return `other:${remoteAddress.slice(0, MAX_OTHER_KEY_LENGTH)}`;
}

/** Eight 16-bit groups of an address that node:net already accepted as IPv6. */
function expandIPv6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  // RFC 4291 §2.2 form 3: a trailing dotted IPv4 address stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const octets = (dotted[2] ?? '').split('.').map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = `${dotted[1] ?? ''}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.every((group) => Number.isInteger(group) && group >= 0 && group <= 0xffff) ? groups : undefined;
}
