// The view of one message that SEARCH, SORT and THREAD work on, and the session facts a search
// needs. The server implements SearchableMessage lazily on top of the MIME indexer; everything in
// it comes from an untrusted message (header values, addresses, body text), the numbers and
// flags from storage. Types only.
// Standards: RFC 9051 §2.3 (message attributes), RFC 5322 (header fields, addresses),
// RFC 2047 (decoded words), RFC 7162 (mod-sequences), RFC 8474 (EMAILID/THREADID),
// RFC 8514 (save date), RFC 5182 (the saved search result).

export interface SearchableMessage {
  readonly seq: number; // message sequence number in the session
  readonly uid: number;
  readonly modSeq: number;
  readonly flags: readonly string[]; // system flags canonical (\Seen …) and keywords
  readonly recent: boolean; // \Recent (IMAP4rev1 sessions)
  readonly internalDate: Date;
  /** RFC 8514 save date; null when the mailbox does not record save dates. */
  readonly saveDate: Date | null;
  readonly size: number; // RFC822.SIZE
  readonly emailId: string;
  readonly threadId: string | null;
  /** Unfolded values of a header field (case-insensitive name), RFC 2047 decoded; [] when absent. */
  header(name: string): readonly string[];
  /**
   * The message's addresses in a field, in order: display name (decoded) and addr-spec parts.
   * Groups follow the ENVELOPE convention (RFC 9051 §7.5.2): a group starts with an entry whose
   * host is null and whose mailbox is the group name, and ends with an entry whose mailbox and
   * host are both null. A mailbox written without a domain has host "" (not null), so that it is
   * not taken for a group. A comment after a bare addr-spec ("a@b (Name)") is the display name.
   */
  addresses(field: 'from' | 'to' | 'cc' | 'bcc' | 'sender' | 'reply-to'): readonly { name: string | null; mailbox: string | null; host: string | null }[];
  /** Decoded text of the body's text parts (CTE and charset decoded). */
  bodyText(): string;
  /** The whole message as decoded text for TEXT searches (headers + body text). */
  fullText(): string;
  /** RFC 5322 Date: parsed, null when absent or unparsable. */
  sentDate(): Date | null;
}

export interface SearchContext {
  readonly maxSeq: number; // for `*` in sequence sets
  /**
   * For `*` in UID sets: the UID of the last message in the mailbox (RFC 9051 §9 seq-number;
   * UIDNEXT only when the mailbox is empty). Not UIDNEXT-1: once the last message is expunged
   * the two differ and `UID *` must still match the last message. imaptest search-sets checks
   * `UID <uidnext>:*` matches it, as in Dovecot.
   */
  readonly maxUid: number;
  readonly saved: readonly number[] | undefined; // `$` (RFC 5182): the saved UIDs
  readonly now: Date; // WITHIN (RFC 5032)
}

export type AddressEntry = ReturnType<SearchableMessage['addresses']>[number];
