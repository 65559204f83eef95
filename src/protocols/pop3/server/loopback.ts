// Whether a client address is on this machine's loopback: the test behind pop3.plaintext_localhost.
// Input it does not trust: the remote address string from the socket.
//
// Standards: RFC 1122 §3.2.1.3 (127.0.0.0/8), RFC 4291 §2.5.3 (::1) and §2.5.5.2 (an
// IPv4-mapped ::ffff:127.x.y.z is the IPv4 loopback).

import { isIPv4 } from 'node:net';

export function isLoopbackAddress(remoteAddress: string): boolean {
  const address = remoteAddress.toLowerCase();
  if (address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}
