// SEARCH (RFC 9051 §6.4.4 and RFC 3501 §6.4.4), ESEARCH results (RFC 4731; IMAP4rev2 answers
// every SEARCH with ESEARCH), SEARCHRES (RFC 5182: RETURN (SAVE) keeps the result for "$"),
// MODSEQ in results (RFC 7162 §3.1.5), SORT and ESORT (RFC 5256, RFC 5267, RFC 5957) and THREAD
// (RFC 5256). The engines are pure (search/); this file loads only what a key needs: nothing for
// flags, dates and sizes, the cached header for header keys, the octets for BODY and TEXT.

import { containsModSeq, esearchModSeq, esearchResult, formatEsearchData, formatThreads, savedResult, searchIds, sortMessages, threadOrderedSubject, threadReferences } from '../../search/index.ts';
import type { SearchableMessage, SearchContext } from '../../search/message.ts';
import { encodeString } from '../../wire/encoder.ts';
import type { ImapCommand, SearchKey, SearchReturn } from '../../wire/types.ts';
import { no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { loadMessages, MessageView } from '../message-view.ts';

type SearchCommand = Extract<ImapCommand, { name: 'SEARCH' }>;
type SortCommand = Extract<ImapCommand, { name: 'SORT' }>;
type ThreadCommand = Extract<ImapCommand, { name: 'THREAD' }>;

interface Needs {
  header: boolean;
  body: boolean;
}

function needsOf(key: SearchKey, needs: Needs = { header: false, body: false }): Needs {
  const pending: SearchKey[] = [key];
  for (let k = pending.pop(); k !== undefined; k = pending.pop()) {
    switch (k.kind) {
      case 'header':
        needs.header = true;
        break;
      case 'body':
      case 'text':
        needs.header = true;
        needs.body = true;
        break;
      case 'date':
        if (k.which === 'sent') needs.header = true;
        break;
      case 'not':
        pending.push(k.key);
        break;
      case 'or':
        pending.push(k.left, k.right);
        break;
      case 'and':
        pending.push(...k.keys);
        break;
      default:
        break;
    }
  }
  return needs;
}

/** Every message of the selected mailbox as a search view, loading what `needs` asks for. */
async function views(args: HandlerArgs, needs: Needs): Promise<{ messages: MessageView[]; context: SearchContext } | undefined> {
  const selected = args.state.selected;
  if (!selected) return undefined;
  const uids = selected.allUids();
  const loaded = await loadMessages(args.ctx, selected, uids, { cache: needs.header || needs.body, raw: needs.body });
  const rev2 = args.state.enabled.has('IMAP4REV2');
  const messages: MessageView[] = [];
  uids.forEach((uid, i) => {
    const message = loaded.get(uid);
    if (message && !selected.isExpungedElsewhere(uid)) messages.push(new MessageView(i + 1, !rev2 && selected.isRecent(uid), message));
  });
  return {
    messages,
    context: { maxSeq: uids.length, maxUid: selected.maxUid, saved: args.state.savedSearch, now: new Date(args.ctx.clock.now()) },
  };
}

function usesModSeq(args: HandlerArgs, key: SearchKey): boolean {
  const used = containsModSeq(key);
  if (used) args.state.condstore = true; // RFC 7162 §3.1: SEARCH MODSEQ enables CONDSTORE
  return used;
}

/** Writes the result in the form the client asked for; saves it for "$" when asked. */
function answer(args: HandlerArgs, verb: 'SEARCH' | 'SORT', uid: boolean, hits: readonly SearchableMessage[], ret: SearchReturn | undefined, modSeq: boolean): void {
  const ids = hits.map((m) => (uid ? m.uid : m.seq));
  const rev2 = args.state.enabled.has('IMAP4REV2');
  if (ret?.save) args.state.savedSearch = savedResult(hits.map((m) => m.uid), ret);
  const esearch = ret !== undefined || (rev2 && verb === 'SEARCH');
  if (!esearch) {
    const highest = modSeq && hits.length > 0 ? ` (MODSEQ ${Math.max(...hits.map((m) => m.modSeq))})` : '';
    args.out.line(`${verb}${ids.length > 0 ? ` ${ids.join(' ')}` : ''}${highest}`);
    return;
  }
  const options = ret ?? { all: true };
  // RFC 5182 §2.4: RETURN (SAVE) alone sends no ESEARCH response.
  if (options.save && !options.min && !options.max && !options.all && !options.count && !options.partial) return;
  const data = formatEsearchData(esearchResult(ids, options), modSeq ? esearchModSeq(hits, options) : undefined);
  const tag = `(TAG ${encodeString(args.tag, args.out.options)})`;
  args.out.line(['ESEARCH', tag, ...(uid ? ['UID'] : []), ...(data ? [data] : [])].join(' '));
}

export async function search(args: HandlerArgs, command: SearchCommand): Promise<Outcome> {
  const modSeq = usesModSeq(args, command.key);
  const loaded = await views(args, needsOf(command.key));
  if (!loaded) return no('No mailbox selected');
  const hits = searchIds(loaded.messages, command.key, loaded.context).messages;
  answer(args, 'SEARCH', command.uid, hits, command.returnOptions, modSeq);
  return ok('SEARCH completed');
}

export async function sort(args: HandlerArgs, command: SortCommand): Promise<Outcome> {
  const modSeq = usesModSeq(args, command.key);
  const needs = needsOf(command.key, { header: command.criteria.some((c) => c.key !== 'ARRIVAL' && c.key !== 'SIZE'), body: false });
  const loaded = await views(args, needs);
  if (!loaded) return no('No mailbox selected');
  const hits = sortMessages(searchIds(loaded.messages, command.key, loaded.context).messages, command.criteria);
  answer(args, 'SORT', command.uid, hits, command.returnOptions, modSeq);
  return ok('SORT completed');
}

export async function thread(args: HandlerArgs, command: ThreadCommand): Promise<Outcome> {
  const loaded = await views(args, needsOf(command.key, { header: true, body: false }));
  if (!loaded) return no('No mailbox selected');
  const hits = searchIds(loaded.messages, command.key, loaded.context).messages;
  const threads = command.algorithm === 'REFERENCES' ? threadReferences(hits) : threadOrderedSubject(hits);
  const text = formatThreads(threads, command.uid);
  args.out.line(`THREAD${text ? ` ${text}` : ''}`);
  return ok('THREAD completed');
}
