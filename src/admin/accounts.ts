// Operator verbs for accounts, shared by the CLI, local-mode start-up and (later) the admin
// API: add a user with a checked password (scrypt hash and SCRAM-SHA-256 verifier), change the
// password, remove, list. Addresses and passwords are untrusted input; every refusal is a
// one-line message and leaves storage unchanged.

import { randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../core/result.ts';
import { formatAddress, parseAddress } from '../mail/address.ts';
import { checkPasswordStrength, hashPassword } from '../auth/password.ts';
import { makeScramVerifier } from '../auth/scram.ts';
import type { Account, Credentials, Storage } from '../storage/api.ts';

export function canonicalAddress(input: string): Result<string, string> {
  const parsed = parseAddress(input.trim());
  return parsed.ok ? ok(formatAddress(parsed.value)) : err(parsed.error);
}

/** A random password for generated accounts (local mode): 120 bits, URL-safe. */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

export async function makeCredentials(password: string): Promise<Result<Credentials, string>> {
  const scram = await makeScramVerifier(password);
  if (!scram.ok) return err(`the password cannot be used: ${scram.error}`);
  return ok({ passwordHash: await hashPassword(password), scramSha256: scram.value });
}

async function checkedCredentials(address: string, password: string): Promise<Result<Credentials, string>> {
  const weak = checkPasswordStrength(password, address);
  if (weak !== undefined) return err(`weak password: ${weak}`);
  return makeCredentials(password);
}

export interface NewUser {
  readonly address: string;
  readonly password: string;
  readonly quotaBytes?: number | null;
}

export async function addUser(storage: Storage, user: NewUser): Promise<Result<Account, string>> {
  const address = canonicalAddress(user.address);
  if (!address.ok) return address;
  const domain = address.value.slice(address.value.lastIndexOf('@') + 1);
  if (!(await storage.getDomain(domain))) return err(`there is no domain ${domain}; add it first with: postwarden domain add ${domain}`);
  if (await storage.getAccount(address.value)) return err(`the user ${address.value} exists already`);
  const credentials = await checkedCredentials(address.value, user.password);
  if (!credentials.ok) return credentials;
  const created = await storage.createAccount({ address: address.value, credentials: credentials.value, quotaBytes: user.quotaBytes ?? null });
  return created.ok ? created : err(created.error.message);
}

async function existingAccount(storage: Storage, input: string): Promise<Result<Account, string>> {
  const address = canonicalAddress(input);
  if (!address.ok) return address;
  const account = await storage.getAccount(address.value);
  return account ? ok(account) : err(`there is no user ${address.value}`);
}

export async function changePassword(storage: Storage, input: string, password: string): Promise<Result<Account, string>> {
  const account = await existingAccount(storage, input);
  if (!account.ok) return account;
  const credentials = await checkedCredentials(account.value.address, password);
  if (!credentials.ok) return credentials;
  const changed = await storage.setCredentials(account.value.id, credentials.value);
  return changed.ok ? account : err(changed.error.message);
}

export async function removeUser(storage: Storage, input: string): Promise<Result<Account, string>> {
  const account = await existingAccount(storage, input);
  if (!account.ok) return account;
  const removed = await storage.deleteAccount(account.value.id);
  return removed.ok ? account : err(removed.error.message);
}

/** Parses a quota: bytes, or a number with K, M, G or T (powers of 1024); 0 or "unlimited" for none. */
export function parseQuota(text: string): Result<number | null, string> {
  const match = /^\s*(\d+)\s*([KMGT]?)i?B?\s*$/i.exec(text);
  if (text.trim().toLowerCase() === 'unlimited') return ok(null);
  if (!match) return err(`"${text}" is not a quota (expected bytes, e.g. 1073741824 or 1G)`);
  const units = ['', 'K', 'M', 'G', 'T'];
  const bytes = Number(match[1]) * 1024 ** units.indexOf((match[2] ?? '').toUpperCase());
  if (!Number.isSafeInteger(bytes)) return err(`"${text}" is too large a quota`);
  return ok(bytes === 0 ? null : bytes);
}
