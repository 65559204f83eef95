// FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; RFC 3501's RFC822 forms and macros), with
// BINARY (RFC 3516), CONDSTORE's MODSEQ and CHANGEDSINCE (RFC 7162 §3.1.4), QRESYNC's VANISHED
// modifier (§3.2.6), OBJECTID (RFC 8474) and SAVEDATE (RFC 8514). Structure and envelope come
// from the cache made at delivery; only body sections read the message. Reading a body without
// PEEK sets \Seen and reports the new flags (§6.4.5).

import { binarySection, binarySize, section } from '../../../../mail/mime/mime.ts';
import type { MessageRecord } from '../../../../storage/api.ts';
import { formatNumberSet } from '../../wire/sequence.ts';
import type { FetchAttribute, ImapCommand, Section } from '../../wire/types.ts';
import { bad, no, ok, type HandlerArgs, type Outcome } from '../context.ts';
import { formatDateTime } from '../dates.ts';
import { loadMessages, type LoadedMessage } from '../message-view.ts';
import type { SelectedMailbox } from '../selected.ts';
import { flagsWithRecent } from '../updates.ts';
import { writeSharedValue } from '../values.ts';
import type { ResponseBuilder } from '../../wire/response-builder.ts';

type FetchCommand = Extract<ImapCommand, { name: 'FETCH' }>;

const MACROS: Readonly<Record<'ALL' | 'FAST' | 'FULL', readonly FetchAttribute[]>> = {
  FAST: [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }],
  ALL: [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }, { kind: 'envelope' }],
  FULL: [{ kind: 'flags' }, { kind: 'internaldate' }, { kind: 'rfc822.size' }, { kind: 'envelope' }, { kind: 'body' }],
};

function needsRaw(attribute: FetchAttribute): boolean {
  switch (attribute.kind) {
    case 'rfc822':
    case 'rfc822.header':
    case 'rfc822.text':
    case 'body-section':
    case 'binary':
    case 'binary.size':
      return true;
    default:
      return false;
  }
}

function needsCache(attribute: FetchAttribute): boolean {
  return needsRaw(attribute) || attribute.kind === 'envelope' || attribute.kind === 'body' || attribute.kind === 'bodystructure';
}

/** Reading these sets \Seen (RFC 9051 §6.4.5: BODY[...] and BINARY[...] without PEEK; RFC 3501 RFC822, RFC822.TEXT). */
function setsSeen(attribute: FetchAttribute): boolean {
  return ((attribute.kind === 'body-section' || attribute.kind === 'binary') && !attribute.peek) || attribute.kind === 'rfc822' || attribute.kind === 'rfc822.text';
}

/** The section as the response names it: BODY[1.HEADER.FIELDS (FROM)]<0>. */
function sectionLabel(value: Section): string {
  const parts = value.part.join('.');
  let text = value.text ?? '';
  if (value.fields) text += ` (${value.fields.join(' ')})`;
  return parts && text ? `${parts}.${text}` : parts || text;
}

function writeItem(response: ResponseBuilder, args: HandlerArgs, selected: SelectedMailbox, message: LoadedMessage, record: MessageRecord, attribute: FetchAttribute): string | undefined {
  const { state } = args;
  const raw = message.raw ?? new Uint8Array(0);
  switch (attribute.kind) {
    case 'uid':
      response.atom('UID').number(record.uid);
      return undefined;
    case 'flags':
      response.atom('FLAGS').flags(flagsWithRecent(state, selected, record.uid, record.flags));
      return undefined;
    case 'internaldate':
      response.atom('INTERNALDATE').string(formatDateTime(record.internalDate));
      return undefined;
    case 'rfc822.size':
      response.atom('RFC822.SIZE').number(record.size);
      return undefined;
    case 'envelope':
      response.atom('ENVELOPE');
      writeSharedValue(response, message.cache.envelope, args.out.options);
      return undefined;
    case 'bodystructure':
      response.atom('BODYSTRUCTURE');
      writeSharedValue(response, message.cache.bodyStructure, args.out.options);
      return undefined;
    case 'body':
      response.atom('BODY');
      writeSharedValue(response, message.cache.body, args.out.options);
      return undefined;
    case 'rfc822':
      response.atom('RFC822').literal(section(raw, message.cache.index, { part: [] }));
      return undefined;
    case 'rfc822.header':
      response.atom('RFC822.HEADER').literal(section(raw, message.cache.index, { part: [], text: 'HEADER' }));
      return undefined;
    case 'rfc822.text':
      response.atom('RFC822.TEXT').literal(section(raw, message.cache.index, { part: [], text: 'TEXT' }));
      return undefined;
    case 'body-section': {
      const bytes = section(raw, message.cache.index, attribute.section, attribute.partial);
      const origin = attribute.partial ? `<${attribute.partial.offset}>` : '';
      response.atom(`BODY[${sectionLabel(attribute.section)}]${origin}`).literal(bytes);
      return undefined;
    }
    case 'binary': {
      const decoded = binarySection(raw, message.cache.index, attribute.part, attribute.partial);
      if (!decoded.ok) return decoded.error;
      const origin = attribute.partial ? `<${attribute.partial.offset}>` : '';
      const label = `BINARY[${attribute.part.join('.')}]${origin}`;
      // RFC 3516 §4.3: literal8 only when the octets hold NUL.
      if (decoded.bytes.includes(0)) response.atom(label).literal8(decoded.bytes);
      else response.atom(label).literal(decoded.bytes);
      return undefined;
    }
    case 'binary.size': {
      const size = binarySize(raw, message.cache.index, attribute.part);
      if (!size.ok) return size.error;
      response.atom(`BINARY.SIZE[${attribute.part.join('.')}]`).number(size.size);
      return undefined;
    }
    case 'modseq':
      response.atom('MODSEQ').open().number(record.modSeq).close();
      return undefined;
    case 'emailid':
      response.atom('EMAILID').open().atom(record.emailId).close();
      return undefined;
    case 'threadid':
      response.atom('THREADID').atom('NIL');
      return undefined;
    case 'savedate':
      response.atom('SAVEDATE').string(formatDateTime(record.saveDate));
      return undefined;
  }
}

export async function fetch(args: HandlerArgs, command: FetchCommand): Promise<Outcome> {
  const { state, out, ctx } = args;
  const selected = state.selected;
  if (!selected) return no('No mailbox selected');
  if (!command.uid && selected.outOfRange(command.set)) return bad('Invalid message sequence number');
  const requested = command.attributes.length > 0 ? command.attributes : (MACROS[command.macro ?? 'FAST'] ?? []);
  const changedSince = command.modifiers.changedSince;
  if (changedSince !== undefined || requested.some((a) => a.kind === 'modseq')) state.condstore = true;
  const items: FetchAttribute[] = [...requested];
  // RFC 7162 §3.1: with CONDSTORE on, every untagged FETCH carries UID and MODSEQ.
  if ((command.uid || state.condstore) && !items.some((a) => a.kind === 'uid')) items.unshift({ kind: 'uid' });
  if ((changedSince !== undefined || state.condstore) && !items.some((a) => a.kind === 'modseq')) items.push({ kind: 'modseq' });
  if (command.modifiers.vanished && (!command.uid || changedSince === undefined || !state.enabled.has('QRESYNC'))) {
    return bad('VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC (RFC 7162 §3.2.6)');
  }

  let uids = selected.resolve(command.set, command.uid, state.savedSearch);
  if (command.modifiers.vanished && changedSince !== undefined) {
    const changes = await ctx.storage.changesSince(selected.accountId, selected.mailboxId, changedSince);
    const wanted = new Set(uids);
    const inRange = command.set.kind === 'set' ? command.set.ranges : [];
    const vanished = changes.ok
      ? changes.value.vanished.filter((uid) => !wanted.has(uid) && inRange.some((r) => uid >= Math.min(r.from, r.to) && uid <= Math.max(r.from, r.to)))
      : [];
    if (vanished.length > 0) out.line(`VANISHED (EARLIER) ${formatNumberSet(vanished)}`);
  }
  if (changedSince !== undefined) uids = uids.filter((uid) => (selected.modSeqOf(uid) ?? 0) > changedSince);

  const raw = items.some(needsRaw);
  const cached = items.some(needsCache);
  const loaded = await loadMessages(ctx, selected, uids, { cache: cached, raw, recent: state.recentBlobs });
  const seen = !selected.readOnly && items.some(setsSeen) ? uids.filter((uid) => !(selected.flagsOf(uid) ?? []).includes('\\Seen')) : [];
  if (seen.length > 0) {
    const updated = await ctx.storage.updateFlags(selected.accountId, selected.mailboxId, seen, { mode: 'add', flags: ['\\Seen'] });
    if (updated.ok) for (const record of updated.value.updated) selected.noteOwnChange(record);
  }
  const flagsChanged = new Set(seen);
  let failure: string | undefined;
  let expunged = false;
  for (const uid of uids) {
    const seq = selected.seqOf(uid);
    const message = loaded.get(uid);
    // The record this session knows: the loaded one when it is the session's own and no flag changed since.
    const record = (message?.own && seen.length === 0 ? message.record : selected.record(uid)) ?? message?.record;
    if (seq === undefined || !record || (!message && (raw || cached))) {
      expunged = true;
      continue;
    }
    const response = out.untagged().number(seq).atom('FETCH').open();
    for (const attribute of items) {
      const error = message ? writeItem(response, args, selected, message, record, attribute) : undefined;
      if (error) failure = error;
    }
    if (flagsChanged.has(uid) && !items.some((a) => a.kind === 'flags')) {
      response.atom('FLAGS').flags(flagsWithRecent(state, selected, uid, record.flags));
    }
    out.send(response.close());
  }
  if (failure) return no('Cannot decode the content transfer encoding', failure);
  if (expunged) return no('Some messages were expunged', 'EXPUNGEISSUED');
  return ok('FETCH completed');
}
