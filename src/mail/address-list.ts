// The addresses in an address-list header field such as From:, To: or Cc:
// (RFC 5322 §3.4: mailbox / group, name-addr with angle brackets, addr-spec; comments §3.2.2,
// quoted strings §3.2.4; the obsolete route syntax §4.4 is skipped). Input is an untrusted
// header value: any text. Malformed parts are skipped, never thrown on; the result holds each
// mailbox's addr-spec as written (quoted local parts unquoted), in order.

/** Most addresses read from one field value. */
export const MAX_ADDRESSES_PER_FIELD = 1000;

type Token = { kind: 'word'; text: string } | { kind: 'special'; char: string };

function tokenize(value: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i] ?? '';
    if (c === '(') {
      // Comment, possibly nested, with quoted-pairs (§3.2.2): dropped.
      let depth = 0;
      for (; i < value.length; i++) {
        const d = value[i];
        if (d === '\\') i++;
        else if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
      }
      i++;
    } else if (c === '"') {
      let text = '';
      for (i++; i < value.length && value[i] !== '"'; i++) {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        text += value[i];
      }
      i++;
      tokens.push({ kind: 'word', text: `"${text}"` });
    } else if ('<>,:;@'.includes(c)) {
      tokens.push({ kind: 'special', char: c });
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      let text = '';
      while (i < value.length && !/[\s()"<>,:;@]/.test(value[i] ?? '')) text += value[i++];
      tokens.push({ kind: 'word', text });
    }
  }
  return tokens;
}

function unquote(word: string): string {
  return word.startsWith('"') && word.endsWith('"') && word.length >= 2 ? word.slice(1, -1) : word;
}

/** Joins the tokens of one addr-spec: local-part "@" domain. */
function addrSpec(tokens: readonly Token[]): string | undefined {
  const at = tokens.findLastIndex((t) => t.kind === 'special' && t.char === '@');
  if (at <= 0 || at === tokens.length - 1) return undefined;
  const local = tokens.slice(0, at);
  const domain = tokens.slice(at + 1);
  if (local.some((t) => t.kind === 'special') || domain.some((t) => t.kind === 'special')) return undefined;
  const localText = local.map((t) => (t.kind === 'word' ? unquote(t.text) : '')).join('');
  const domainText = domain.map((t) => (t.kind === 'word' ? t.text : '')).join('');
  return localText && domainText ? `${localText}@${domainText}` : undefined;
}

export function parseAddressList(value: string): string[] {
  const tokens = tokenize(value);
  const addresses: string[] = [];
  let segment: Token[] = [];
  const flush = () => {
    const open = segment.findIndex((t) => t.kind === 'special' && t.char === '<');
    let spec: string | undefined;
    if (open >= 0) {
      const close = segment.findIndex((t, index) => index > open && t.kind === 'special' && t.char === '>');
      let inner = segment.slice(open + 1, close < 0 ? undefined : close);
      const route = inner.findIndex((t) => t.kind === 'special' && t.char === ':');
      if (route >= 0) inner = inner.slice(route + 1); // §4.4 obs-route: ignored.
      spec = addrSpec(inner);
    } else {
      spec = addrSpec(segment);
    }
    if (spec !== undefined && addresses.length < MAX_ADDRESSES_PER_FIELD) addresses.push(spec);
    segment = [];
  };
  let inAngle = false;
  for (const token of tokens) {
    if (token.kind === 'special' && token.char === '<') inAngle = true;
    if (token.kind === 'special' && token.char === '>') inAngle = false;
    if (!inAngle && token.kind === 'special' && (token.char === ',' || token.char === ';')) {
      flush();
    } else if (!inAngle && token.kind === 'special' && token.char === ':') {
      segment = []; // §3.4 group: "display-name :" starts a list of mailboxes.
    } else {
      segment.push(token);
    }
  }
  flush();
  return addresses;
}
