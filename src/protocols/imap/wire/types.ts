// The typed IMAP commands the wire parser produces and the server consumes (RFC 9051 §6 and
// RFC 3501 §6, with the extensions Postwarden offers). Types only: the parser lives beside it.
// Strings here are already decoded (quoted-string escapes removed, literals read); mailbox names
// are still in their wire form (modified UTF-7 or UTF-8) and decoded by the server.

/** A sequence set element (RFC 9051 §9 sequence-set): `*` is represented by Infinity. */
export interface SequenceRange {
  readonly from: number;
  readonly to: number;
}

/** RFC 9051 §9 sequence-set, or `$` (RFC 5182 SEARCHRES: the saved search result). */
export type SequenceSet = { readonly kind: 'set'; readonly ranges: readonly SequenceRange[] } | { readonly kind: 'saved' };

/** RFC 9051 §6.4.4 search keys (and RFC 3501 ones), RFC 7162 MODSEQ, RFC 5032 WITHIN, RFC 8514 SAVEDATE, RFC 8474 EMAILID/THREADID. */
export type SearchKey =
  | { readonly kind: 'all' }
  | { readonly kind: 'flag'; readonly flag: string; readonly set: boolean } // ANSWERED/UNANSWERED, DELETED, DRAFT, FLAGGED, SEEN and negations; KEYWORD/UNKEYWORD use flag = keyword
  | { readonly kind: 'new' } // RFC 3501: RECENT UNSEEN
  | { readonly kind: 'old' } // RFC 3501: NOT RECENT
  | { readonly kind: 'recent'; readonly set: boolean } // RFC 3501 RECENT / RFC 3501 NOT RECENT handled as not
  | { readonly kind: 'header'; readonly field: string; readonly value: string } // HEADER field value; BCC/CC/FROM/SUBJECT/TO map here with the field name
  | { readonly kind: 'body'; readonly value: string }
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'date'; readonly which: 'internal' | 'sent' | 'save'; readonly op: 'before' | 'on' | 'since'; readonly date: string /* YYYY-MM-DD */ }
  | { readonly kind: 'within'; readonly op: 'older' | 'younger'; readonly seconds: number } // RFC 5032
  | { readonly kind: 'size'; readonly op: 'larger' | 'smaller'; readonly octets: number }
  | { readonly kind: 'uid'; readonly set: SequenceSet }
  | { readonly kind: 'sequence'; readonly set: SequenceSet }
  | { readonly kind: 'modseq'; readonly modSeq: number; readonly entry?: { readonly name: string; readonly type: 'priv' | 'shared' | 'all' } } // RFC 7162 §3.1.5
  | { readonly kind: 'emailid'; readonly id: string } // RFC 8474 §6
  | { readonly kind: 'threadid'; readonly id: string }
  | { readonly kind: 'savedatesupported' } // RFC 8514 §4
  | { readonly kind: 'not'; readonly key: SearchKey }
  | { readonly kind: 'or'; readonly left: SearchKey; readonly right: SearchKey }
  | { readonly kind: 'and'; readonly keys: readonly SearchKey[] };

/** RFC 4731 ESEARCH result options, RFC 5182 SAVE, RFC 9394 PARTIAL. */
export interface SearchReturn {
  readonly min?: true;
  readonly max?: true;
  readonly all?: true;
  readonly count?: true;
  readonly save?: true;
  readonly partial?: { readonly from: number; readonly to: number }; // negative for "last N" (RFC 9394)
}

/** RFC 5256 sort criteria, RFC 5957 DISPLAYFROM/DISPLAYTO. */
export type SortKey = 'ARRIVAL' | 'CC' | 'DATE' | 'FROM' | 'SIZE' | 'SUBJECT' | 'TO' | 'DISPLAYFROM' | 'DISPLAYTO';
export interface SortCriterion {
  readonly key: SortKey;
  readonly reverse: boolean;
}

/** RFC 9051 §6.4.5 section-spec, RFC 3501 section, RFC 3516 BINARY section-binary. */
export interface Section {
  /** Part numbers, e.g. [1, 2] for "1.2"; empty for the whole message. */
  readonly part: readonly number[];
  readonly text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** For HEADER.FIELDS (.NOT): field names as given (case preserved for the response). */
  readonly fields?: readonly string[];
}

export interface Partial {
  readonly offset: number;
  readonly length: number;
}

/** RFC 9051 §6.4.5 fetch attributes (and RFC 3501's RFC822 forms), extensions included. */
export type FetchAttribute =
  | { readonly kind: 'envelope' }
  | { readonly kind: 'flags' }
  | { readonly kind: 'internaldate' }
  | { readonly kind: 'rfc822.size' }
  | { readonly kind: 'rfc822' } // RFC 3501: BODY[]
  | { readonly kind: 'rfc822.header' } // RFC 3501: BODY.PEEK[HEADER]
  | { readonly kind: 'rfc822.text' } // RFC 3501: BODY[TEXT]
  | { readonly kind: 'body' } // BODY without section: the non-extensible BODYSTRUCTURE
  | { readonly kind: 'bodystructure' }
  | { readonly kind: 'uid' }
  | { readonly kind: 'body-section'; readonly section: Section; readonly peek: boolean; readonly partial?: Partial }
  | { readonly kind: 'binary'; readonly part: readonly number[]; readonly peek: boolean; readonly partial?: Partial } // RFC 3516
  | { readonly kind: 'binary.size'; readonly part: readonly number[] }
  | { readonly kind: 'modseq' } // RFC 7162
  | { readonly kind: 'emailid' } // RFC 8474
  | { readonly kind: 'threadid' }
  | { readonly kind: 'savedate' }; // RFC 8514

export interface FetchModifiers {
  /** RFC 7162 §3.1.4.1 CHANGEDSINCE. */
  readonly changedSince?: number;
  /** RFC 7162 §3.2.6 VANISHED (UID FETCH only). */
  readonly vanished?: true;
}

export interface StoreModifiers {
  /** RFC 7162 §3.1.3 UNCHANGEDSINCE. */
  readonly unchangedSince?: number;
}

/** RFC 7162 §3.2.5 QRESYNC select parameter. */
export interface QresyncParams {
  readonly uidValidity: number;
  readonly modSeq: number;
  readonly knownUids?: SequenceSet;
  readonly seqMatch?: { readonly sequences: SequenceSet; readonly uids: SequenceSet };
}

/** One message of APPEND / MULTIAPPEND (RFC 3502); `binary` for ~{n} literals (RFC 3516). */
export interface AppendMessage {
  readonly flags: readonly string[];
  readonly date?: string; // date-time as sent, the server parses it
  readonly data: Uint8Array;
  readonly binary: boolean;
}

/** RFC 5258 LIST-EXTENDED selection and return options, RFC 5819 LIST-STATUS, RFC 6154. */
export interface ListOptions {
  readonly select: readonly ('SUBSCRIBED' | 'REMOTE' | 'RECURSIVEMATCH' | 'SPECIAL-USE')[];
  readonly return: readonly ('SUBSCRIBED' | 'CHILDREN' | 'SPECIAL-USE')[];
  readonly status?: readonly StatusItem[];
}

/** RFC 9051 §6.3.11 STATUS items, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 8474 MAILBOXID, RFC 9208 DELETED/DELETED-STORAGE. */
export type StatusItem = 'MESSAGES' | 'RECENT' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'DELETED' | 'SIZE' | 'HIGHESTMODSEQ' | 'APPENDLIMIT' | 'MAILBOXID' | 'DELETED-STORAGE';

export type ImapCommand =
  // Any state (RFC 9051 §6.1)
  | { readonly name: 'CAPABILITY' }
  | { readonly name: 'NOOP' }
  | { readonly name: 'LOGOUT' }
  | { readonly name: 'ID'; readonly params: ReadonlyMap<string, string | null> | null } // RFC 2971
  // Not authenticated (§6.2)
  | { readonly name: 'STARTTLS' }
  | { readonly name: 'AUTHENTICATE'; readonly mechanism: string; readonly initialResponse?: string } // SASL-IR RFC 4959
  | { readonly name: 'LOGIN'; readonly user: string; readonly password: string }
  // Authenticated (§6.3)
  | { readonly name: 'ENABLE'; readonly capabilities: readonly string[] } // RFC 5161
  | { readonly name: 'SELECT' | 'EXAMINE'; readonly mailbox: string; readonly condstore: boolean; readonly qresync?: QresyncParams }
  | { readonly name: 'CREATE'; readonly mailbox: string; readonly specialUse: readonly string[] } // RFC 6154 USE
  | { readonly name: 'DELETE'; readonly mailbox: string }
  | { readonly name: 'RENAME'; readonly from: string; readonly to: string }
  | { readonly name: 'SUBSCRIBE' | 'UNSUBSCRIBE'; readonly mailbox: string }
  | { readonly name: 'LIST'; readonly reference: string; readonly patterns: readonly string[]; readonly options: ListOptions }
  | { readonly name: 'LSUB'; readonly reference: string; readonly pattern: string } // RFC 3501
  | { readonly name: 'NAMESPACE' } // RFC 2342
  | { readonly name: 'STATUS'; readonly mailbox: string; readonly items: readonly StatusItem[] }
  | { readonly name: 'APPEND'; readonly mailbox: string; readonly messages: readonly AppendMessage[] } // several: MULTIAPPEND RFC 3502
  | { readonly name: 'IDLE' } // RFC 2177; DONE is read by the server in idle mode
  | { readonly name: 'GETQUOTA'; readonly root: string } // RFC 9208
  | { readonly name: 'GETQUOTAROOT'; readonly mailbox: string }
  | { readonly name: 'SETQUOTA'; readonly root: string; readonly limits: ReadonlyMap<string, number> }
  | { readonly name: 'COMPRESS'; readonly mechanism: string } // RFC 4978
  // Selected (§6.4)
  | { readonly name: 'CHECK' } // RFC 3501 §6.4.1: removed by RFC 9051, still sent by IMAP4rev1 clients
  | { readonly name: 'CLOSE' }
  | { readonly name: 'UNSELECT' } // RFC 3691
  | { readonly name: 'EXPUNGE' }
  | { readonly name: 'UID EXPUNGE'; readonly set: SequenceSet } // RFC 4315
  | { readonly name: 'SEARCH'; readonly uid: boolean; readonly charset?: string; readonly key: SearchKey; readonly returnOptions?: SearchReturn }
  | { readonly name: 'SORT'; readonly uid: boolean; readonly criteria: readonly SortCriterion[]; readonly charset: string; readonly key: SearchKey; readonly returnOptions?: SearchReturn } // RFC 5256, ESORT RFC 5267
  | { readonly name: 'THREAD'; readonly uid: boolean; readonly algorithm: 'ORDEREDSUBJECT' | 'REFERENCES'; readonly charset: string; readonly key: SearchKey }
  | { readonly name: 'FETCH'; readonly uid: boolean; readonly set: SequenceSet; readonly attributes: readonly FetchAttribute[]; readonly macro?: 'ALL' | 'FAST' | 'FULL'; readonly modifiers: FetchModifiers }
  | { readonly name: 'STORE'; readonly uid: boolean; readonly set: SequenceSet; readonly mode: 'add' | 'remove' | 'replace'; readonly silent: boolean; readonly flags: readonly string[]; readonly modifiers: StoreModifiers }
  | { readonly name: 'COPY' | 'MOVE'; readonly uid: boolean; readonly set: SequenceSet; readonly mailbox: string }; // MOVE RFC 6851

export type ImapCommandName = ImapCommand['name'];

/** A parsed command line: its tag and command, or a BAD/NO reply for the tag. */
export interface TaggedCommand {
  readonly tag: string;
  readonly command: ImapCommand;
}
