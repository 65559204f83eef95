// Test support: a one-mailbox, one-connection IMAP state simulator that runs imaptest scripts
// against the search engines: APPEND, SELECT, STORE, EXPUNGE, FETCH (UID, RFC822.SIZE, MODSEQ,
// FLAGS), STATUS and the SEARCH/SORT/THREAD family with ESEARCH results. It stands in for the
// server (written separately) so the engines meet imaptest's expectations on their own.
// Input: trusted test fixtures.
// Standards: RFC 9051 §6.4 (the commands), RFC 4731, RFC 5182, RFC 5256, RFC 5267, RFC 7162.

import { containsModSeq, searchIds } from '../evaluate.ts';
import { esearchModSeq, esearchResult, formatEsearchData, savedResult } from '../esearch.ts';
import type { SearchableMessage, SearchContext } from '../message.ts';
import { sortMessages } from '../sort.ts';
import { formatThreads, threadOrderedSubject, threadReferences } from '../thread.ts';
import type { SearchKey, SearchReturn, SequenceSet } from '../../wire/types.ts';
import { type Item, list, parseCriteria, parseItems, parseKeys, parseReturn, parseSet, text, Unsupported } from './command-parser.ts';
import { fakeMessage } from './fake-message.ts';
import type { MboxMessage } from './mbox.ts';

interface Stored {
  readonly uid: number;
  flags: string[];
  modSeq: number;
  readonly recent: boolean;
  readonly source: MboxMessage;
}

const NOW = new Date();

export class Session {
  readonly #source: readonly MboxMessage[];
  #next = 0;
  #messages: Stored[] = [];
  #uidNext = 1;
  #highestModSeq = 1;
  #saved: number[] | undefined;
  #condstore = false;
  #tagCounter = 0;

  constructor(source: readonly MboxMessage[]) {
    this.#source = source;
  }

  /** Appends the next message of the mbox (wrapping round, as imaptest does). */
  append(flags: readonly string[] = []): void {
    const source = this.#source[this.#next % this.#source.length];
    if (source === undefined) throw new Unsupported('empty mbox');
    this.#next++;
    this.#messages.push({ uid: this.#uidNext++, flags: [...flags], modSeq: ++this.#highestModSeq, recent: true, source });
  }

  #views(): SearchableMessage[] {
    return this.#messages.map((m, i) =>
      fakeMessage(m.source.raw, { seq: i + 1, uid: m.uid, modSeq: m.modSeq, flags: m.flags, recent: m.recent, internalDate: m.source.internalDate }),
    );
  }

  #context(): SearchContext {
    return { maxSeq: this.#messages.length, maxUid: this.#messages[this.#messages.length - 1]?.uid ?? 0, saved: this.#saved, now: NOW };
  }

  #inSet(set: SequenceSet, uid: boolean): SearchableMessage[] {
    const key: SearchKey = uid ? { kind: 'uid', set } : { kind: 'sequence', set };
    return searchIds(this.#views(), key, this.#context()).messages as SearchableMessage[];
  }

  /** Runs one command line; returns the untagged replies. Throws Unsupported for what it cannot run. */
  run(line: string): string[] {
    const items = parseItems(line);
    let name = text(items.shift()).toUpperCase();
    const uid = name === 'UID';
    if (uid) name = text(items.shift()).toUpperCase();
    const tag = `T${++this.#tagCounter}`;
    switch (name) {
      case 'NOOP':
      case 'CHECK':
        return [];
      case 'SELECT':
      case 'EXAMINE':
        return [`* ${this.#messages.length} EXISTS`];
      case 'APPEND': {
        const flags = items[1]?.kind === 'list' ? items[1].items.map((i) => text(i)) : [];
        this.append(flags);
        return [`* ${this.#messages.length} EXISTS`];
      }
      case 'STORE':
        return this.#store(items, uid);
      case 'EXPUNGE':
        return this.#expunge();
      case 'FETCH':
        return this.#fetch(items, uid);
      case 'STATUS':
        return this.#status(items);
      case 'SEARCH':
      case 'SORT':
      case 'THREAD':
        return this.#search(name, items, uid, tag);
      default:
        throw new Unsupported(`command ${name}`);
    }
  }

  #store(items: Item[], uid: boolean): string[] {
    const targets = this.#inSet(parseSet(text(items[0])), uid);
    const mode = text(items[1]).toUpperCase().replace(/\.SILENT$/, '');
    const value = items[2]?.kind === 'list' ? items[2].items.map((i) => text(i)) : [text(items[2])];
    const modSeq = ++this.#highestModSeq;
    const replies: string[] = [];
    for (const view of targets) {
      const stored = this.#messages[view.seq - 1];
      if (stored === undefined) continue;
      const has = (f: string) => stored.flags.some((g) => g.toLowerCase() === f.toLowerCase());
      if (mode === 'FLAGS') stored.flags = [...value];
      else if (mode === '+FLAGS') stored.flags.push(...value.filter((f) => !has(f)));
      else if (mode === '-FLAGS') stored.flags = stored.flags.filter((g) => !value.some((f) => f.toLowerCase() === g.toLowerCase()));
      else throw new Unsupported(`store ${mode}`);
      stored.modSeq = modSeq;
      const extra = `${this.#condstore ? ` MODSEQ (${modSeq})` : ''}${uid ? ` UID ${stored.uid}` : ''}`;
      replies.push(`* ${view.seq} FETCH (FLAGS (${stored.flags.join(' ')})${extra})`);
    }
    return replies;
  }

  #expunge(): string[] {
    const replies: string[] = [];
    for (let i = 0; i < this.#messages.length; ) {
      if (this.#messages[i]?.flags.some((f) => f.toLowerCase() === '\\deleted')) {
        this.#messages.splice(i, 1);
        replies.push(`* ${i + 1} EXPUNGE`);
      } else {
        i++;
      }
    }
    return replies;
  }

  #fetch(items: Item[], uid: boolean): string[] {
    const wanted = (items[1]?.kind === 'list' ? items[1].items : [items[1]]).map((i) => text(i).toUpperCase());
    const replies: string[] = [];
    if (wanted.includes('MODSEQ') && !this.#condstore) {
      this.#condstore = true; // RFC 7162 §3.1: FETCH MODSEQ enables CONDSTORE
      replies.push(`* OK [HIGHESTMODSEQ ${this.#highestModSeq}]`);
    }
    for (const view of this.#inSet(parseSet(text(items[0])), uid)) {
      const parts: string[] = [];
      if (uid || wanted.includes('UID')) parts.push(`UID ${view.uid}`);
      for (const item of wanted) {
        if (item === 'UID') continue;
        if (item === 'RFC822.SIZE') parts.push(`RFC822.SIZE ${view.size}`);
        else if (item === 'MODSEQ') parts.push(`MODSEQ (${view.modSeq})`);
        else if (item === 'FLAGS') parts.push(`FLAGS (${view.flags.join(' ')})`);
        else throw new Unsupported(`fetch ${item}`);
      }
      replies.push(`* ${view.seq} FETCH (${parts.join(' ')})`);
    }
    return replies;
  }

  #status(items: Item[]): string[] {
    const values = list(items[1]).map((i) => {
      const name = text(i).toUpperCase();
      if (name === 'UIDNEXT') return `UIDNEXT ${this.#uidNext}`;
      if (name === 'MESSAGES') return `MESSAGES ${this.#messages.length}`;
      throw new Unsupported(`status ${name}`);
    });
    return [`* STATUS ${text(items[0])} (${values.join(' ')})`];
  }

  #search(name: string, items: Item[], uid: boolean, tag: string): string[] {
    let ret: SearchReturn | undefined;
    if (items[0]?.kind === 'atom' && items[0].text.toUpperCase() === 'RETURN') {
      ret = parseReturn(list(items[1]));
      items = items.slice(2);
    }
    let algorithm = '';
    const criteria = name === 'SORT' ? parseCriteria(list(items.shift())) : [];
    if (name === 'THREAD') algorithm = text(items.shift()).toUpperCase();
    if (name !== 'SEARCH') items.shift(); // the charset
    else if (items[0]?.kind === 'atom' && items[0].text.toUpperCase() === 'CHARSET') items = items.slice(2);
    const key = parseKeys(items);
    const hits = searchIds(this.#views(), key, this.#context());
    if (name === 'THREAD') {
      if (algorithm !== 'REFERENCES' && algorithm !== 'ORDEREDSUBJECT') throw new Unsupported(`thread ${algorithm}`);
      const threads = algorithm === 'REFERENCES' ? threadReferences(hits.messages) : threadOrderedSubject(hits.messages);
      return [`* THREAD ${formatThreads(threads, uid)}`];
    }
    const ordered = name === 'SORT' ? sortMessages(hits.messages, criteria) : hits.messages;
    const ids = ordered.map((m) => (uid ? m.uid : m.seq));
    const modSeq = containsModSeq(key) ? esearchModSeq(ordered, ret ?? { all: true }) : undefined;
    if (ret === undefined) {
      const suffix = modSeq === undefined ? '' : ` (MODSEQ ${modSeq})`;
      return [`* ${name} ${ids.join(' ')}${suffix}`.trimEnd()];
    }
    if (ret.save) this.#saved = savedResult(ordered.map((m) => m.uid), ret);
    if (ret.save && !ret.min && !ret.max && !ret.all && !ret.count && ret.partial === undefined) return [];
    const data = formatEsearchData(esearchResult(ids, ret), modSeq);
    return [`* ESEARCH (TAG "${tag}")${uid ? ' UID' : ''}${data === '' ? '' : ` ${data}`}`];
  }
}
