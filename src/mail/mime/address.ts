// Address lists of header fields (RFC 5322 §3.4: mailbox, name-addr, addr-spec, group; obsolete
// routes §4.4) parsed into IMAP address structures (RFC 9051 §7.5.2 ENVELOPE: name, route,
// mailbox, host; a group is a start entry with the group name as mailbox and NIL host, and an
// end entry of four NILs). The value is an untrusted binary string; nothing throws. Broken input
// is read the way Dovecot's message-address.c reads it, including its placeholders for missing
// pieces ("MISSING_MAILBOX", "MISSING_DOMAIN", "SYNTAX_ERROR", "INVALID_ROUTE"), so ENVELOPE
// equals Dovecot's for the same octets. Encoded words (RFC 2047) are left as they are, as IMAP
// ENVELOPE requires (RFC 9051 §7.5.2 takes the header text as is).

import { MAX_ADDRESSES } from './limits.ts';
import { Rfc822Tokens } from './rfc822-tokens.ts';

export interface ParsedAddress {
  /** Display name (phrase, or the comment after an addr-spec). */
  name?: string;
  /** Obsolete source route, e.g. "@a,@b" (§4.4). */
  route?: string;
  /** Local part; for a group start, the group name. */
  mailbox?: string;
  /** Domain; undefined for group start and end entries. */
  domain?: string;
}

const FILL_MAILBOX = 'MISSING_MAILBOX';
const FILL_DOMAIN = 'MISSING_DOMAIN';

class AddressParser {
  readonly tokens: Rfc822Tokens;
  readonly out: ParsedAddress[] = [];
  current: ParsedAddress = {};
  invalid = false;

  readonly fill: boolean;

  constructor(value: string, fill: boolean) {
    this.tokens = new Rfc822Tokens(value, true);
    this.fill = fill;
  }

  private add(): void {
    this.out.push(this.current);
    this.current = {};
    this.invalid = false;
  }

  private localPart(): number {
    const out = { value: '' };
    const t = this.tokens;
    const status = t.code() === 0x22 ? t.quotedString(out) : t.dotAtom(out);
    if (status < 0) return -1;
    this.current.mailbox = out.value;
    return status;
  }

  private domain(): number {
    const out = { value: '' };
    if (this.tokens.domain(out) < 0) return -1;
    this.current.domain = out.value;
    return 1;
  }

  /** obs-domain-list = "@" domain *(*(CFWS / ",") [CFWS] "@" domain). */
  private domainList(): number {
    const t = this.tokens;
    let route = '';
    for (;;) {
      if (t.atEnd()) return 0;
      if (t.code() !== 0x40) break;
      if (route.length > 0) route += ',';
      route += '@';
      const out = { value: '' };
      const status = t.domain(out);
      route += out.value;
      if (status <= 0) return status;
      while (t.skipLwsp() > 0 && t.code() === 0x2c) t.pos++;
    }
    this.current.route = route;
    return 1;
  }

  /** angle-addr = "<" [route ":"] local-part "@" domain ">". */
  private angleAddr(): number {
    const t = this.tokens;
    t.pos++;
    if (t.skipLwsp() <= 0) return -1;
    if (t.code() === 0x40) {
      if (this.domainList() > 0 && t.code() === 0x3a) {
        t.pos++;
      } else {
        if (this.fill) this.current.route = 'INVALID_ROUTE';
        if (t.atEnd()) return -1;
      }
      if (t.skipLwsp() <= 0) return -1;
    }
    if (t.code() !== 0x3e) {
      if (this.localPart() <= 0) return -1;
      if (t.code() === 0x40 && this.domain() <= 0) return -1;
    }
    if (t.code() !== 0x3e) return -1;
    t.pos++;
    return t.skipLwsp();
  }

  private nameAddr(): number {
    const t = this.tokens;
    const out = { value: '' };
    if (t.phrase(out) <= 0 || t.code() !== 0x3c) return -1;
    if (out.value !== '') this.current.name = out.value;
    if (this.angleAddr() < 0) {
      if (this.fill) this.current.domain = 'SYNTAX_ERROR';
      this.invalid = true;
    }
    return t.atEnd() ? 0 : 1;
  }

  private addrSpec(): number {
    const t = this.tokens;
    let domainStatus = -2;
    t.lastComment = '';
    const quoted = t.code() === 0x22;
    let status = this.localPart();
    if (status <= 0) this.invalid = true;
    if (status !== 0 && !t.atEnd() && t.code() === 0x40) {
      domainStatus = this.domain();
      if (domainStatus <= 0) status = domainStatus;
    }
    if (t.lastComment !== undefined && t.lastComment.length > 0) {
      this.current.name = t.lastComment;
    } else if (domainStatus === -2) {
      // A lone word is a mailbox; more words after it make it a display name.
      const out = { value: `${this.current.mailbox ?? ''} ` };
      const before = out.value.length;
      t.phrase(out);
      if (out.value.length !== before) {
        delete this.current.mailbox;
        this.current.name = out.value;
      } else if (!quoted) {
        this.current.domain = '';
      }
      this.invalid = true;
      status = -1;
    }
    return status;
  }

  private fixed(): void {
    if (this.current.mailbox === undefined) this.current.mailbox = this.fill ? FILL_MAILBOX : '';
    if (this.current.domain === undefined || this.current.domain === '') this.current.domain = this.fill ? FILL_DOMAIN : '';
    this.add();
  }

  private mailbox(): number {
    const t = this.tokens;
    const start = t.pos;
    let status = this.nameAddr();
    if (status < 0) {
      t.pos = start;
      this.current = {};
      status = this.addrSpec();
      if (this.invalid && this.current.name === undefined && this.current.mailbox !== undefined && this.current.domain === undefined) {
        this.current.name = this.current.mailbox;
        delete this.current.mailbox;
      }
    }
    this.fixed();
    return status;
  }

  private group(): number {
    const t = this.tokens;
    const out = { value: '' };
    if (t.phrase(out) <= 0 || t.code() !== 0x3a) return -1;
    t.pos++;
    let status = t.skipLwsp();
    this.current = { mailbox: out.value };
    this.add();
    if (status > 0 && t.code() !== 0x3b) {
      for (;;) {
        this.mailbox(); // A broken mailbox: go on anyway.
        if (t.atEnd() || t.code() !== 0x2c) break;
        t.pos++;
        if (t.skipLwsp() <= 0) {
          status = -1;
          break;
        }
      }
    }
    if (status >= 0) {
      if (t.atEnd() || t.code() !== 0x3b) {
        status = -1;
      } else {
        t.pos++;
        status = t.skipLwsp();
      }
    }
    this.current = {};
    this.add();
    return status === 0 ? 0 : 1;
  }

  private address(): number {
    const start = this.tokens.pos;
    const status = this.group();
    if (status >= 0) return status;
    this.tokens.pos = start;
    this.current = {};
    return this.mailbox();
  }

  parse(): ParsedAddress[] {
    const t = this.tokens;
    if (t.skipLwsp() <= 0) return this.out;
    for (let count = 0; count < MAX_ADDRESSES; count++) {
      if (this.address() === 0) break;
      if (t.atEnd() || t.code() !== 0x2c) break;
      t.pos++;
      const status = t.skipLwsp();
      if (status <= 0) {
        if (status < 0) this.fixed(); // Ends with garbage.
        break;
      }
    }
    return this.out;
  }
}

/**
 * The address list of one header field value (binary string); empty for no addresses. With
 * `fillMissing` (ENVELOPE) missing pieces get Dovecot's placeholder names, else they are "".
 */
export function parseAddresses(value: string, fillMissing = true): ParsedAddress[] {
  return new AddressParser(value, fillMissing).parse();
}
