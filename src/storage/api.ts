// The storage API: the only storage surface the rest of Postwarden sees (DESIGN.md). Servers
// import this file, never an adapter; `cli/serve` wires an adapter in. Every verb is
// protocol-neutral and returns expected failures as MailError values (house rule 5).
//
// Durability (house rule 7): a write verb resolves only after the message blob is fsync'd,
// its directory fsync'd, and the database commit is durable. UIDs only grow and are never
// reused (RFC 9051 §2.3.1.1), also across crashes: UIDNEXT advances in the same transaction
// that stores the message.
//
// Input it does not trust: names and addresses come canonical from the callers (mail/address.ts
// for addresses), but mailbox names, flags and keywords are checked here too, and every query
// is scoped by account id, so one account can never reach another's mailboxes or blobs.

import type { Result } from '../core/result.ts';
import type { MailError } from './mail-error.ts';
import type { QueueStore } from './queue-api.ts';

export type * from './queue-api.ts';

export type DomainId = number;
export type AccountId = number;
export type MailboxId = number;

export interface Domain {
  readonly id: DomainId;
  /** Canonical name: lower-case A-labels. */
  readonly name: string;
  readonly createdAt: Date;
}

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface NewDkimKey {
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /** PKCS#8 PEM. Stored encrypted under the master key. */
  readonly privateKeyPem: string;
  /** The p= value of the DNS record (base64). */
  readonly publicKey: string;
}

export interface DkimKey extends NewDkimKey {
  readonly domainId: DomainId;
  readonly createdAt: Date;
  readonly active: boolean;
}

/** Opaque credential strings; the auth layer defines their format. */
export interface Credentials {
  /** Password hash in PHC string format (scrypt). */
  readonly passwordHash: string;
  /** SCRAM-SHA-256 verifier (RFC 5802 §3: salt, iteration count, StoredKey, ServerKey). */
  readonly scramSha256: string;
}

export interface Account {
  readonly id: AccountId;
  readonly domainId: DomainId;
  /** Canonical address: local@domain. */
  readonly address: string;
  readonly credentials: Credentials;
  /** Quota in bytes; null means unlimited. */
  readonly quotaBytes: number | null;
  readonly usedBytes: number;
  readonly createdAt: Date;
}

export interface NewAccount {
  /** Canonical address (mail/address.ts). Its domain must exist. */
  readonly address: string;
  readonly credentials: Credentials;
  readonly quotaBytes?: number | null;
}

export interface Alias {
  /** Canonical address the alias answers to. */
  readonly address: string;
  /** Canonical addresses it expands to (local accounts or remote addresses). */
  readonly targets: readonly string[];
}

export type Recipient =
  | { readonly kind: 'account'; readonly account: Account }
  | { readonly kind: 'alias'; readonly alias: Alias };

/** RFC 6154 special-use attributes. */
export type SpecialUse = '\\All' | '\\Archive' | '\\Drafts' | '\\Flagged' | '\\Junk' | '\\Sent' | '\\Trash';

export interface Mailbox {
  readonly id: MailboxId;
  readonly accountId: AccountId;
  /** Full name in UTF-8 with "/" as the hierarchy delimiter; INBOX is always "INBOX". */
  readonly name: string;
  readonly specialUse: SpecialUse | null;
  readonly uidValidity: number;
  readonly uidNext: number;
  readonly highestModSeq: number;
  readonly createdAt: Date;
}

export interface MailboxStatus {
  readonly messages: number;
  /** Messages no session has claimed as \Recent yet (IMAP4rev1 STATUS RECENT). */
  readonly recent: number;
  readonly unseen: number;
  readonly deleted: number;
  /** Sum of message sizes in octets (RFC 8438 STATUS=SIZE). */
  readonly size: number;
  readonly uidNext: number;
  readonly uidValidity: number;
  readonly highestModSeq: number;
}

/** IMAP system flags (RFC 9051 §2.3.2), stored canonically cased. */
export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;
export type SystemFlag = (typeof SYSTEM_FLAGS)[number];

export interface NewMessage {
  readonly accountId: AccountId;
  readonly mailboxId: MailboxId;
  /** The message exactly as it is to be served, CRLF line endings. */
  readonly raw: Uint8Array;
  /** System flags and keywords; system flags are matched case-insensitively. */
  readonly flags?: readonly string[];
  readonly internalDate?: Date;
  /**
   * Parsed envelope/structure cache (opaque to storage, stored encrypted with the blob's key).
   * A promise lets the caller finish it while storage seals and writes the blob; one that
   * rejects stores no cache (readers rebuild a missing one from the message).
   */
  readonly cache?: string | null | Promise<string>;
}

export interface AppendedMessage {
  readonly accountId: AccountId;
  readonly mailboxId: MailboxId;
  readonly uid: number;
  readonly uidValidity: number;
  readonly modSeq: number;
  readonly blobId: string;
  readonly size: number;
}

export interface MessageRecord {
  readonly mailboxId: MailboxId;
  readonly uid: number;
  readonly modSeq: number;
  /** System flags first (canonical order), then keywords. */
  readonly flags: readonly string[];
  readonly internalDate: Date;
  /** When the message was saved into this mailbox (RFC 8514 SAVEDATE). */
  readonly saveDate: Date;
  readonly size: number;
  readonly blobId: string;
  /** RFC 8474 EMAILID: the same for every copy of the same content in one account. */
  readonly emailId: string;
  /** Present when the listing asked for caches. */
  readonly cache?: string | null;
}

export interface MessageQuery {
  /** Inclusive UID range. */
  readonly uidFrom?: number;
  readonly uidTo?: number;
  /** Only messages whose MODSEQ is greater (RFC 7162 CHANGEDSINCE). */
  readonly changedSince?: number;
  /** Decrypt and include each message's cache. */
  readonly withCache?: boolean;
}

export type FlagMode = 'add' | 'remove' | 'replace';

export interface FlagChange {
  readonly mode: FlagMode;
  readonly flags: readonly string[];
  /** RFC 7162 §3.1.3 UNCHANGEDSINCE: leave (and report) messages with a greater MODSEQ. */
  readonly unchangedSince?: number;
}

export interface FlagUpdate {
  /** Messages whose flags changed, with their new MODSEQ. */
  readonly updated: readonly MessageRecord[];
  /** UIDs left alone because of UNCHANGEDSINCE (RFC 7162 MODIFIED response code). */
  readonly modified: readonly number[];
}

export interface CopyResult {
  readonly uidValidity: number;
  /** [source UID, destination UID] pairs in source UID order (RFC 4315 COPYUID). */
  readonly mapping: readonly (readonly [number, number])[];
}

export interface ExpungeResult {
  readonly uids: readonly number[];
  readonly modSeq: number;
}

export interface Changes {
  readonly changed: readonly MessageRecord[];
  /** UIDs expunged after the given MODSEQ (RFC 7162 §3.2.10 VANISHED). */
  readonly vanished: readonly number[];
  readonly highestModSeq: number;
}

export interface Quota {
  readonly usedBytes: number;
  readonly limitBytes: number | null;
  readonly messages: number;
}

/** RFC 3461 §4.1 NOTIFY: NEVER, or any of SUCCESS, FAILURE, DELAY. */
export type DsnNotify = 'NEVER' | readonly ('SUCCESS' | 'FAILURE' | 'DELAY')[];

export interface OutboundRecipient {
  /** The forward path as given (canonical domain, local part as sent). */
  readonly address: string;
  /** RFC 3461 §4.2 ORCPT as "addr-type;address" (decoded). */
  readonly orcpt?: string;
  readonly notify?: DsnNotify;
}

/** The envelope facts a later relay and its DSNs need (RFC 3461, RFC 6531, RFC 8689). */
export interface OutboundEnvelope {
  /** Reverse path; the empty string is the null sender <>. */
  readonly sender: string;
  readonly envid?: string;
  readonly ret?: 'FULL' | 'HDRS';
  readonly body: '7BIT' | '8BITMIME' | 'BINARYMIME';
  readonly smtputf8: boolean;
  readonly requireTls: boolean;
  /** The submitting account, when there is one. */
  readonly accountId: AccountId | null;
}

export interface OutboundMessage {
  readonly raw: Uint8Array;
  readonly envelope: OutboundEnvelope;
  readonly recipients: readonly OutboundRecipient[];
  /** Present when raw is already what goes on the wire (signed when it was queued). */
  readonly prepared?: WirePreparation;
}

/** What preparing a queued message for the wire found, kept when it was done at enqueue. */
export interface WirePreparation {
  /** The IP pool the submitting account asked for in the pool header (the header itself is gone). */
  readonly requestedPool: string | null;
}

export interface Delivery {
  /** Identifies the transaction in logs, Received headers and the queue. */
  readonly queueId: string;
  /** Copies for local mailboxes. */
  readonly local: readonly NewMessage[];
  /** Mail for remote recipients, kept in the outbound queue. */
  readonly outbound?: OutboundMessage;
}

export interface DeliveryReceipt {
  readonly local: readonly AppendedMessage[];
  readonly queued: number;
}

export type ChangeKind = 'append' | 'flags' | 'expunge' | 'mailbox';

/** Published after the commit of every change, across processes where the store allows. */
export interface ChangeEvent {
  readonly accountId: AccountId;
  readonly mailboxId: MailboxId;
  readonly modSeq: number;
  readonly kind: ChangeKind;
}

export interface StorageCapabilities {
  /** Several server processes may share this store. */
  readonly sharedAcrossProcesses: boolean;
  /** Change events reach other processes (PostgreSQL LISTEN/NOTIFY). */
  readonly crossProcessEvents: boolean;
}

export interface Storage extends QueueStore {
  readonly capabilities: StorageCapabilities;

  /** Creates the domain and, in the same transaction, its first DKIM keys. */
  createDomain(name: string, dkimKeys?: readonly NewDkimKey[]): Promise<Result<Domain, MailError>>;
  getDomain(name: string): Promise<Domain | undefined>;
  listDomains(): Promise<Domain[]>;
  /** Fails with in-use while accounts or aliases of the domain exist. */
  deleteDomain(name: string): Promise<Result<void, MailError>>;
  addDkimKey(domainId: DomainId, key: NewDkimKey): Promise<Result<DkimKey, MailError>>;
  listDkimKeys(domainId: DomainId): Promise<DkimKey[]>;
  /**
   * Key rotation, in one transaction: adds `keys` as the domain's active signing keys and
   * retires every other key of the domain (kept, inactive, so its DNS record can stay published
   * while mail signed with it is in transit). Fails (changing nothing) on an empty list, a bad
   * or taken selector, or an unknown domain. Returns the domain's keys afterwards.
   */
  rotateDkimKeys(domainId: DomainId, keys: readonly NewDkimKey[]): Promise<Result<DkimKey[], MailError>>;

  /** Creates the account, its data key and its default mailboxes in one transaction. */
  createAccount(input: NewAccount): Promise<Result<Account, MailError>>;
  getAccount(address: string): Promise<Account | undefined>;
  getAccountById(id: AccountId): Promise<Account | undefined>;
  listAccounts(domain?: string): Promise<Account[]>;
  setCredentials(accountId: AccountId, credentials: Credentials): Promise<Result<void, MailError>>;
  setQuota(accountId: AccountId, quotaBytes: number | null): Promise<Result<void, MailError>>;
  /** Destroys the account's data key first: its blobs are unreadable from then on, backups included. */
  deleteAccount(accountId: AccountId): Promise<Result<void, MailError>>;

  setAlias(alias: Alias): Promise<Result<void, MailError>>;
  deleteAlias(address: string): Promise<Result<void, MailError>>;
  listAliases(domain?: string): Promise<Alias[]>;
  /** An exact (canonical) address to the account or alias that owns it. */
  resolveRecipient(address: string): Promise<Recipient | undefined>;

  listMailboxes(accountId: AccountId): Promise<Mailbox[]>;
  getMailbox(accountId: AccountId, name: string): Promise<Mailbox | undefined>;
  /** The id of the account's INBOX (it never changes); undefined when there is no such account. */
  inboxId(accountId: AccountId): Promise<MailboxId | undefined>;
  getMailboxById(accountId: AccountId, id: MailboxId): Promise<Mailbox | undefined>;
  createMailbox(accountId: AccountId, name: string, options?: { specialUse?: SpecialUse | null }): Promise<Result<Mailbox, MailError>>;
  /** Renames the mailbox and its children (RFC 9051 §6.3.6); a new name gets new UIDVALIDITY never. */
  renameMailbox(accountId: AccountId, from: string, to: string): Promise<Result<void, MailError>>;
  /** Deletes the mailbox and its messages; fails with in-use when it has children. */
  deleteMailbox(accountId: AccountId, name: string): Promise<Result<void, MailError>>;
  mailboxStatus(accountId: AccountId, mailboxId: MailboxId): Promise<Result<MailboxStatus, MailError>>;
  listSubscriptions(accountId: AccountId): Promise<string[]>;
  /** Subscriptions may name mailboxes that do not exist (RFC 9051 §6.3.7). */
  setSubscribed(accountId: AccountId, name: string, subscribed: boolean): Promise<Result<void, MailError>>;

  /**
   * Stores messages durably in one commit (group-committed with concurrent writers). Each item
   * succeeds or fails on its own (over-quota, nonexistent mailbox); the results keep input order.
   */
  appendMessages(items: readonly NewMessage[]): Promise<Result<AppendedMessage, MailError>[]>;
  listMessages(accountId: AccountId, mailboxId: MailboxId, query?: MessageQuery): Promise<Result<MessageRecord[], MailError>>;
  /** The message bytes, decrypted and checked (AES-GCM tag). */
  readMessage(accountId: AccountId, blobId: string): Promise<Result<Uint8Array, MailError>>;
  updateFlags(accountId: AccountId, mailboxId: MailboxId, uids: readonly number[], change: FlagChange): Promise<Result<FlagUpdate, MailError>>;
  copyMessages(accountId: AccountId, from: MailboxId, uids: readonly number[], to: MailboxId): Promise<Result<CopyResult, MailError>>;
  /** Atomic move (RFC 6851): copies, then expunges the source messages, in one transaction; into the same mailbox it renumbers them. */
  moveMessages(accountId: AccountId, from: MailboxId, uids: readonly number[], to: MailboxId): Promise<Result<CopyResult, MailError>>;
  /** Removes the \Deleted messages among `uids` (all \Deleted messages when omitted). */
  expungeMessages(accountId: AccountId, mailboxId: MailboxId, uids?: readonly number[]): Promise<Result<ExpungeResult, MailError>>;
  /**
   * IMAP4rev1 \Recent (RFC 3501 §2.3.2): the first session to see new messages gets them as
   * recent. Returns the lowest UID that is recent for the caller (messages from it up to
   * `uidNext` - 1) and marks everything below `uidNext` as seen by a session.
   */
  claimRecent(accountId: AccountId, mailboxId: MailboxId, uidNext: number): Promise<Result<number, MailError>>;
  /** Removes the given messages whatever their flags (POP3 UPDATE state), recording them as expunged. */
  removeMessages(accountId: AccountId, mailboxId: MailboxId, uids: readonly number[]): Promise<Result<ExpungeResult, MailError>>;
  changesSince(accountId: AccountId, mailboxId: MailboxId, modSeq: number): Promise<Result<Changes, MailError>>;
  getQuota(accountId: AccountId): Promise<Result<Quota, MailError>>;

  /**
   * The one durable write for an accepted message (house rule 7): every local copy and the
   * outbound queue entry commit together, or nothing does (the first failure is returned).
   */
  deliver(delivery: Delivery): Promise<Result<DeliveryReceipt, MailError>>;

  /**
   * Takes a named lease for `ttlMs` (POP3 maildrop locks, queue workers): true when it was free,
   * expired, or already held by `owner` (then it is renewed). Works across processes on PostgreSQL.
   */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;

  /** Subscribes to committed changes; returns the unsubscribe function. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  /** Waits for in-flight writes, then closes the store. */
  close(): Promise<void>;
}
