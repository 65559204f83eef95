// Reverse-paths (MAIL FROM) and forward-paths (RCPT TO): the text between "FROM:"/"TO:" and
// the parameters, into a typed path. Syntax only: relaying, "%" hacks and domain existence
// are the server's business. Input it does not trust: the path text (client data); the
// parsers never throw.
//
// Standards: RFC 5321 §4.1.2 (Reverse-path, Forward-path, Path, A-d-l, Mailbox, Local-part,
// Dot-string, Quoted-string), RFC 5321 §4.1.1.3 ("<Postmaster>" without a domain), RFC 5321
// §3.3 and Appendix C (source routes are accepted and ignored), RFC 5321 §4.5.3.1.1-2 (local
// part 64 octets, domain 255 octets), RFC 6531 §3.3 (UTF-8 in local parts and U-labels).
//
// Deliberate deviation: one space after the colon is tolerated ("MAIL FROM: <a@b>"), as many
// clients send it and Postfix accepts it by default; RFC 5321 §4.1.2 allows none. Angle
// brackets stay required.

import { err, ok, type Result } from '../../../core/result.ts';
import { addressLiteralKind, isDomain, MAX_DOMAIN_OCTETS } from './domain.ts';
import { asciiLower, CONTROL_CHARACTER, hasNonAscii, isDotString, utf8Length } from './text.ts';

/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
export const MAX_LOCAL_PART_OCTETS = 64;

export interface NullPath {
  readonly kind: 'null';
}

export interface PostmasterPath {
  readonly kind: 'postmaster';
}

export interface MailboxPath {
  readonly kind: 'mailbox';
  /** As sent; a quoted local part loses its quotes and its quoted-pairs are unescaped. */
  readonly local: string;
  /** As sent (a name, or an address literal with its brackets). */
  readonly domain: string;
  readonly quotedLocal: boolean;
  /** The domain is an address literal: [IPv4], [IPv6:...] or a General-address-literal. */
  readonly domainLiteral: boolean;
  /** Source-route domains, in order, without "@" (RFC 5321 §3.3: reported, never used). */
  readonly sourceRoute: readonly string[];
  /** The path holds a non-ASCII character. */
  readonly utf8: boolean;
}

export type ReversePath = NullPath | MailboxPath;
export type ForwardPath = PostmasterPath | MailboxPath;
export type Path = NullPath | PostmasterPath | MailboxPath;

export interface PathOptions {
  /** UTF-8 addresses are permitted (RFC 6531 §3.3: an SMTPUTF8 transaction). */
  readonly utf8: boolean;
}

export type PathErrorReason =
  /** Not the syntax of RFC 5321 §4.1.2. */
  | 'syntax'
  /** The local part or the domain is longer than RFC 5321 §4.5.3.1 allows. */
  | 'too-long'
  /** Non-ASCII without SMTPUTF8 (RFC 6531 §3.5). */
  | 'non-ascii';

export interface PathError {
  readonly reason: PathErrorReason;
  readonly message: string;
}

/** RFC 5321 §4.1.2 Reverse-path = Path / "<>". */
export function parseReversePath(text: string, options: PathOptions): Result<ReversePath, PathError> {
  const inner = pathInner(text, options);
  if (!inner.ok) return inner;
  if (inner.value === '') return ok({ kind: 'null' });
  return parseRoutedMailbox(inner.value, options);
}

/** RFC 5321 §4.1.2 Forward-path = Path; RFC 5321 §4.1.1.3 "<Postmaster>". */
export function parseForwardPath(text: string, options: PathOptions): Result<ForwardPath, PathError> {
  const inner = pathInner(text, options);
  if (!inner.ok) return inner;
  if (inner.value === '') return syntax('the null path <> is not a recipient');
  // RFC 5321 §4.1.1.3: "Postmaster" without a domain, case-insensitive.
  if (asciiLower(inner.value) === 'postmaster') return ok({ kind: 'postmaster' });
  return parseRoutedMailbox(inner.value, options);
}

/**
 * Where the path that starts at `start` ends: the index after its closing ">", skipping ">"
 * inside quoted strings and address literals. -1 when `text[start]` is not "<" or the path
 * does not close. Used by the command parser to split a path from its parameters.
 */
export function pathEnd(text: string, start: number): number {
  if (text[start] !== '<') return -1;
  let quoted = false;
  let literal = false;
  for (let i = start + 1; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '\\') i++;
      else if (char === '"') quoted = false;
    } else if (literal) {
      if (char === ']') literal = false;
    } else if (char === '"') {
      quoted = true;
    } else if (char === '[') {
      literal = true;
    } else if (char === '>') {
      return i + 1;
    }
  }
  return -1;
}

/** The path as sent on the wire: "<>", "<Postmaster>" or "<[@route,...:]local@domain>". */
export function formatPath(path: Path): string {
  switch (path.kind) {
    case 'null':
      return '<>';
    case 'postmaster':
      return '<Postmaster>';
    case 'mailbox': {
      const route = path.sourceRoute.length > 0 ? `${path.sourceRoute.map((domain) => `@${domain}`).join(',')}:` : '';
      return `<${route}${formatLocalPart(path.local, path.utf8)}@${path.domain}>`;
    }
  }
}

/** A local part as a Dot-string when it is one, else as a Quoted-string (RFC 5321 §4.1.2). */
export function formatLocalPart(local: string, utf8: boolean): string {
  if (isDotString(local, utf8)) return local;
  return `"${local.replace(/["\\]/g, (char) => `\\${char}`)}"`;
}

/** Checks the brackets and characters common to both paths; returns what is inside "<>". */
function pathInner(text: string, options: PathOptions): Result<string, PathError> {
  if (!text.isWellFormed()) return syntax('the path is not valid Unicode');
  // Deliberate deviation (see the header): one space after the colon is tolerated.
  const path = text.startsWith(' ') ? text.slice(1) : text;
  if (!path.startsWith('<') || !path.endsWith('>') || path.length < 2) {
    return syntax('the address must be enclosed in <>');
  }
  const inner = path.slice(1, -1);
  if (CONTROL_CHARACTER.test(inner)) return syntax('the address contains a control character');
  // RFC 6531 §3.5 (X.6.7): non-ASCII needs SMTPUTF8.
  if (!options.utf8 && hasNonAscii(inner)) {
    return err({ reason: 'non-ascii', message: 'non-ASCII addresses need the SMTPUTF8 parameter' });
  }
  return ok(inner);
}

/** RFC 5321 §4.1.2: [ A-d-l ":" ] Mailbox, the brackets already removed. */
function parseRoutedMailbox(inner: string, options: PathOptions): Result<MailboxPath, PathError> {
  let rest = inner;
  const sourceRoute: string[] = [];
  if (rest.startsWith('@')) {
    // A-d-l = At-domain *( "," At-domain ); At-domain = "@" Domain. A Domain holds no ":".
    const colon = rest.indexOf(':');
    if (colon === -1) return syntax('a source route must end with ":"');
    for (const atDomain of rest.slice(0, colon).split(',')) {
      const domain = atDomain.slice(1);
      if (!atDomain.startsWith('@') || !isDomain(domain, options)) return syntax('the source route is not valid');
      sourceRoute.push(domain);
    }
    rest = rest.slice(colon + 1);
  }
  const local = parseLocalPart(rest, options.utf8);
  if (!local.ok) return local;
  const domain = rest.slice(local.value.end + 1);
  if (rest[local.value.end] !== '@' || domain === '') return syntax('the address must have the form local@domain');
  if (local.value.local === '') return syntax('the local part is empty');
  // RFC 5321 §4.5.3.1.1 and §4.5.3.1.2, counted as sent.
  if (utf8Length(rest.slice(0, local.value.end)) > MAX_LOCAL_PART_OCTETS) {
    return err({ reason: 'too-long', message: `the local part is longer than ${MAX_LOCAL_PART_OCTETS} octets` });
  }
  if (utf8Length(domain) > MAX_DOMAIN_OCTETS) {
    return err({ reason: 'too-long', message: `the domain is longer than ${MAX_DOMAIN_OCTETS} octets` });
  }
  const domainLiteral = domain.startsWith('[');
  if (domainLiteral ? addressLiteralKind(domain) === undefined : !isDomain(domain, options)) {
    return syntax(domainLiteral ? 'the address literal is not valid' : 'the domain is not valid');
  }
  return ok({
    kind: 'mailbox',
    local: local.value.local,
    domain,
    quotedLocal: local.value.quoted,
    domainLiteral,
    sourceRoute,
    utf8: hasNonAscii(inner),
  });
}

interface LocalPart {
  readonly local: string;
  readonly quoted: boolean;
  /** Index just after the local part in the text. */
  readonly end: number;
}

/** RFC 5321 §4.1.2 Local-part = Dot-string / Quoted-string (RFC 6531 §3.3 when `utf8`). */
function parseLocalPart(text: string, utf8: boolean): Result<LocalPart, PathError> {
  if (!text.startsWith('"')) {
    const at = text.indexOf('@');
    const dotString = at === -1 ? text : text.slice(0, at);
    if (dotString !== '' && !isDotString(dotString, utf8)) return syntax('the local part is not valid');
    return ok({ local: dotString, quoted: false, end: dotString.length });
  }
  // Quoted-string = DQUOTE *QcontentSMTP DQUOTE; qtextSMTP = %d32-33 / %d35-91 / %d93-126;
  // quoted-pairSMTP = %d92 %d32-126 (RFC 6531 §3.3 adds UTF8-non-ascii to qtextSMTP only).
  let local = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '"') return ok({ local, quoted: true, end: i + 1 });
    if (char === '\\') {
      const next = text[i + 1] ?? '';
      if (!/^[\x20-\x7e]$/.test(next)) return syntax('the quoted local part has an invalid escape');
      local += next;
      i++;
    } else if (/^[\x20-\x7e]$/.test(char) || (utf8 && char.charCodeAt(0) >= 0x80)) {
      local += char;
    } else {
      return syntax('the quoted local part holds an invalid character');
    }
  }
  return syntax('the quoted local part is not closed');
}

function syntax(message: string): { readonly ok: false; readonly error: PathError } {
  return err({ reason: 'syntax', message });
}
