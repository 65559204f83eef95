// THREAD: ORDEREDSUBJECT and REFERENCES threading, and the thread-list text of the response.
// Input: message views with untrusted Message-ID:, References:, In-Reply-To:, Subject: and
// Date: (duplicate IDs, reference loops, arbitrarily deep chains); nothing throws and no step
// recurses, so a hostile mailbox cannot exhaust the stack.
// Standards: RFC 5256 §2.3 (ORDEREDSUBJECT), §2.4 (REFERENCES, steps 1-6), §2.1 (base subject),
// §2.2 (sent date, else internal date), §4 (thread-list syntax). Ties in date go to the lower
// sequence number (Dovecot: lower UID, the same order).

import { baseSubject } from './base-subject.ts';
import { unicodeCasemap } from './collate.ts';
import { sortDateSeconds } from './dates.ts';
import type { SearchableMessage } from './message.ts';
import { firstMessageId, MAX_REFERENCES, messageIds } from './message-id.ts';

/** A thread node: a message, or a dummy (null) standing for a missing parent. */
export interface Thread {
  readonly message: SearchableMessage | null;
  readonly children: readonly Thread[];
}

interface Container {
  message: SearchableMessage | null;
  parent: Container | null;
  children: Container[];
}

type SortKey = readonly [seconds: number, seq: number];

function newContainer(message: SearchableMessage | null): Container {
  return { message, parent: null, children: [] };
}

/** Containers under `roots` in pre-order (a parent before its children, siblings in order). */
function preorder(roots: readonly Container[]): Container[] {
  const out: Container[] = [];
  const stack = roots.slice().reverse();
  for (let c = stack.pop(); c !== undefined; c = stack.pop()) {
    out.push(c);
    for (let i = c.children.length - 1; i >= 0; i--) {
      const child = c.children[i];
      if (child !== undefined) stack.push(child);
    }
  }
  return out;
}

/**
 * Whether making `child` a child of `parent` would close a loop, i.e. `child` is `parent` or one
 * of its ancestors. Walks up from `parent` and down through `child`'s subtree in step, and stops
 * when either walk ends, so a new message (no children yet) costs nothing however deep the thread.
 */
function wouldLoop(parent: Container, child: Container): boolean {
  if (parent === child) return true;
  if (child.children.length === 0) return false;
  let up: Container | null = parent;
  const down: Container[] = child.children.slice();
  for (;;) {
    if (up === null) return false; // reached the root without meeting child
    if (up === child) return true;
    up = up.parent;
    const next = down.pop();
    if (next === undefined) return false; // child's subtree holds no parent
    if (next === parent) return true;
    for (const grandchild of next.children) down.push(grandchild);
  }
}

function unlink(child: Container): void {
  const parent = child.parent;
  if (parent === null) return;
  const index = parent.children.indexOf(child);
  if (index >= 0) parent.children.splice(index, 1);
  child.parent = null;
}

/** RFC 5256 §2.4 step 1.B: link unless already linked or a loop would form. */
function link(parent: Container, child: Container): void {
  if (child.parent !== null || wouldLoop(parent, child)) return;
  child.parent = parent;
  parent.children.push(child);
}

/** Sorts every sibling set by (sent date, sequence); a dummy sorts as its first child (§2.4 step 6). */
function sortTree(roots: Container[]): void {
  const keys = new Map<Container, SortKey>();
  const keyOf = (c: Container): SortKey => keys.get(c) ?? [Infinity, Infinity];
  const byKey = (a: Container, b: Container): number => {
    const x = keyOf(a);
    const y = keyOf(b);
    if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] === y[1] ? 0 : x[1] < y[1] ? -1 : 1;
  };
  const order = preorder(roots);
  for (let i = order.length - 1; i >= 0; i--) {
    const c = order[i];
    if (c === undefined) continue;
    c.children.sort(byKey);
    const first = c.children[0];
    if (c.message !== null) keys.set(c, [sortDateSeconds(c.message), c.message.seq]);
    else if (first !== undefined) keys.set(c, keyOf(first));
  }
  roots.sort(byKey);
}

/** RFC 5256 §2.4 step 3: drop childless dummies, promote a dummy's children (to the root only if one). */
function prune(roots: readonly Container[]): Container[] {
  const order = preorder(roots);
  for (let i = order.length - 1; i >= 0; i--) {
    const c = order[i];
    if (c === undefined || !c.children.some((child) => child.message === null)) continue;
    const kept: Container[] = [];
    for (const child of c.children) {
      if (child.message !== null) {
        kept.push(child);
        continue;
      }
      for (const grandchild of child.children) {
        grandchild.parent = c;
        kept.push(grandchild);
      }
    }
    c.children = kept;
  }
  const result: Container[] = [];
  for (const root of roots) {
    const only = root.children[0];
    if (root.message !== null || root.children.length > 1) result.push(root);
    else if (only !== undefined) {
      only.parent = null;
      result.push(only);
    }
  }
  return result;
}

interface SubjectInfo {
  readonly key: string;
  readonly reply: boolean;
}

/** §2.4 step 5.B.i: the thread subject of a root (its own, or its first child's for a dummy). */
function threadSubject(root: Container): SubjectInfo {
  const message = root.message ?? root.children[0]?.message ?? null;
  const base = baseSubject(message?.header('subject')[0] ?? '');
  return { key: unicodeCasemap(base.subject), reply: base.replyOrForward };
}

/** RFC 5256 §2.4 step 5: gather roots with the same base subject. */
function mergeBySubject(roots: Container[]): Container[] {
  const info = new Map<Container, SubjectInfo>();
  const table = new Map<string, Container>();
  for (const root of roots) {
    const subject = threadSubject(root);
    info.set(root, subject);
    if (subject.key === '') continue; // 5.B.ii
    const current = table.get(subject.key);
    // 5.B.iv: a dummy, or a non-reply over a reply, replaces a non-dummy in the table.
    if (current === undefined) table.set(subject.key, root);
    else if (current.message !== null && (root.message === null || (info.get(current)?.reply === true && !subject.reply))) {
      table.set(subject.key, root);
    }
  }
  const removed = new Set<Container>();
  const added: Container[] = [];
  for (const root of roots) {
    const subject = info.get(root);
    if (removed.has(root) || subject === undefined || subject.key === '') continue;
    const inTable = table.get(subject.key);
    if (inTable === undefined || inTable === root) continue; // 5.C.iv
    removed.add(root);
    if (root.message === null && inTable.message === null) {
      // Both dummies: the current one's children join the table's.
      for (const child of root.children) {
        child.parent = inTable;
        inTable.children.push(child);
      }
      root.children = [];
    } else if (inTable.message === null || (subject.reply && info.get(inTable)?.reply !== true)) {
      inTable.children.push(root); // a child of the table's message (a sibling of its children)
      root.parent = inTable;
    } else {
      // A new dummy over both; it takes the table's place.
      const dummy = newContainer(null);
      dummy.children.push(inTable, root);
      inTable.parent = dummy;
      root.parent = dummy;
      removed.add(inTable);
      table.set(subject.key, dummy);
      added.push(dummy);
    }
  }
  return roots.filter((root) => !removed.has(root)).concat(added);
}

function toThreads(roots: readonly Container[]): Thread[] {
  const result: Thread[] = [];
  const stack: { readonly container: Container; readonly into: Thread[] }[] = roots
    .slice()
    .reverse()
    .map((container) => ({ container, into: result }));
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const node = { message: item.container.message, children: [] as Thread[] };
    item.into.push(node);
    for (let i = item.container.children.length - 1; i >= 0; i--) {
      const child = item.container.children[i];
      if (child !== undefined) stack.push({ container: child, into: node.children });
    }
  }
  return result;
}

/** RFC 5256 §2.4: THREAD=REFERENCES over `messages` (the searched messages, in sequence order). */
export function threadReferences(messages: readonly SearchableMessage[]): Thread[] {
  const byId = new Map<string, Container>();
  const all: Container[] = [];
  const containerFor = (id: string): Container => {
    let c = byId.get(id);
    if (c === undefined) {
      c = newContainer(null);
      byId.set(id, c);
      all.push(c);
    }
    return c;
  };
  for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
    // 1.A: the message's container; no valid ID or a duplicate gets a unique one.
    const id = firstMessageId(message.header('message-id')[0]);
    let own = id === null ? undefined : containerFor(id);
    if (own === undefined || own.message !== null) {
      own = newContainer(null);
      all.push(own);
    }
    own.message = message;
    // References, or else the first valid In-Reply-To ID.
    let refs = messageIds(message.header('references')[0] ?? '');
    if (refs.length === 0) refs = messageIds(message.header('in-reply-to')[0] ?? '').slice(0, 1);
    const chain = refs.slice(-MAX_REFERENCES).map(containerFor);
    // 1.B: link the references in order, parent before child.
    for (let i = 1; i < chain.length; i++) {
      const parent = chain[i - 1];
      const child = chain[i];
      if (parent !== undefined && child !== undefined) link(parent, child);
    }
    // 1.C: the last reference is the parent; an older presumed parent is thrown away.
    const parent = chain[chain.length - 1] ?? null;
    if (own.parent !== null && own.parent !== parent) unlink(own);
    if (parent !== null) link(parent, own);
  }
  // 2: the root set; 3: prune; 4: sort; 5: subjects; 6: sort every sibling set.
  let roots = prune(all.filter((c) => c.parent === null));
  sortTree(roots);
  roots = mergeBySubject(roots);
  sortTree(roots);
  return toThreads(roots);
}

/** RFC 5256 §2.3: THREAD=ORDEREDSUBJECT — one thread per base subject, the rest under the first. */
export function threadOrderedSubject(messages: readonly SearchableMessage[]): Thread[] {
  const keyed = messages.map((message) => ({ message, date: sortDateSeconds(message), seq: message.seq }));
  keyed.sort((a, b) => a.date - b.date || a.seq - b.seq);
  const groups = new Map<string, SearchableMessage[]>();
  for (const { message } of keyed) {
    const key = unicodeCasemap(baseSubject(message.header('subject')[0] ?? '').subject);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [message]);
    else group.push(message);
  }
  // Groups hold messages in date order and were created in the order of their first message.
  return [...groups.values()].map(([first, ...rest]) => ({
    message: first ?? null,
    children: rest.map((message) => ({ message, children: [] })),
  }));
}

/** RFC 5256 §4: the thread-list text, `(1 2)(3 (4 5)(6))`, with sequence numbers or UIDs. */
export function formatThreads(threads: readonly Thread[], useUid: boolean): string {
  const out: string[] = [];
  const stack: (Thread | string)[] = threads.slice().reverse();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    if (item.message === null && item.children.length === 0) continue; // nothing to show
    out.push('(');
    let separator = '';
    let nested = false;
    for (let node: Thread | undefined = item; node !== undefined; ) {
      if (node.message !== null) {
        out.push(separator + String(useUid ? node.message.uid : node.message.seq));
        separator = ' ';
      }
      if (node.children.length === 1) {
        node = node.children[0];
        continue;
      }
      if (node.children.length > 1) {
        out.push(separator);
        stack.push(')');
        for (let i = node.children.length - 1; i >= 0; i--) {
          const child = node.children[i];
          if (child !== undefined) stack.push(child);
        }
        nested = true;
      }
      break;
    }
    if (!nested) out.push(')');
  }
  return out.join('');
}
