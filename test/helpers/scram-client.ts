// The client side of SCRAM-SHA-256 (RFC 5802 §3, RFC 7677), written from the RFC for the tests
// and independent of the server's implementation, so a shared mistake cannot pass unnoticed.

import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ (b[i] ?? 0)));
}

export class ScramClient {
  private readonly user: string;
  private readonly password: string;
  private readonly nonce = randomBytes(18).toString('base64');
  private clientFirstBare = '';
  private serverSignature = Buffer.alloc(0);

  constructor(user: string, password: string) {
    this.user = user;
    this.password = password;
  }

  /** client-first-message, base64. */
  first(): string {
    const name = this.user.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.clientFirstBare = `n=${name},r=${this.nonce}`;
    return Buffer.from(`n,,${this.clientFirstBare}`).toString('base64');
  }

  /** client-final-message for the server-first-message (both base64). */
  final(serverFirstBase64: string): string {
    const serverFirst = Buffer.from(serverFirstBase64, 'base64').toString();
    const fields = new Map(serverFirst.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as const));
    const nonce = fields.get('r') ?? '';
    if (!nonce.startsWith(this.nonce)) throw new Error('the server nonce does not extend ours');
    const salted = pbkdf2Sync(this.password, Buffer.from(fields.get('s') ?? '', 'base64'), Number(fields.get('i')), 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const withoutProof = `c=${Buffer.from('n,,').toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(sha256(clientKey), authMessage));
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`).toString('base64');
  }

  /** True when the server-final-message (base64) proves the server knows the verifier. */
  verify(serverFinalBase64: string): boolean {
    return Buffer.from(serverFinalBase64, 'base64').toString() === `v=${this.serverSignature.toString('base64')}`;
  }
}
