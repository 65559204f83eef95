import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SearchableMessage } from './message.ts';
import { MAX_REFERENCES } from './message-id.ts';
import { testMessage } from './testing/fake-message.ts';
import { formatThreads, threadOrderedSubject, threadReferences, type Thread } from './thread.ts';

interface Spec {
  readonly id?: string;
  readonly refs?: string;
  readonly irt?: string;
  readonly subject?: string;
  readonly date?: number; // Date: in seconds; else none
  readonly arrival?: number;
}

function build(specs: readonly Spec[]): SearchableMessage[] {
  return specs.map((s, i) => {
    const lines: string[] = [];
    if (s.id !== undefined) lines.push(`Message-ID: ${s.id}`);
    if (s.refs !== undefined) lines.push(`References: ${s.refs}`);
    if (s.irt !== undefined) lines.push(`In-Reply-To: ${s.irt}`);
    if (s.subject !== undefined) lines.push(`Subject: ${s.subject}`);
    if (s.date !== undefined) lines.push(`Date: ${new Date(s.date * 1000).toUTCString().replace('GMT', '+0000')}`);
    return testMessage(lines, '', { seq: i + 1, uid: 100 + i, internalDate: new Date((s.arrival ?? 1000 + i) * 1000) });
  });
}

const references = (specs: readonly Spec[]) => formatThreads(threadReferences(build(specs)), false);

void test('THREAD=REFERENCES (RFC 5256 §2.4)', () => {
  const cases: [string, Spec[], string][] = [
    ['nothing', [], ''],
    ['unrelated', [{ id: '<a@x>' }, { id: '<b@x>' }], '(1)(2)'],
    ['a reply', [{ id: '<a@x>' }, { id: '<b@x>', refs: '<a@x>' }], '(1 2)'],
    ['In-Reply-To when References is absent', [{ id: '<a@x>' }, { id: '<b@x>', irt: '<a@x>' }], '(1 2)'],
    ['In-Reply-To when References holds no valid ID', [{ id: '<a@x>' }, { id: '<b@x>', refs: 'junk <no-at>', irt: 'x <a@x> <c@x>' }], '(1 2)'],
    ['References wins over In-Reply-To', [{ id: '<a@x>' }, { id: '<c@x>' }, { id: '<b@x>', refs: '<a@x>', irt: '<c@x>' }], '(1 3)(2)'],
    ['siblings sorted by date', [{ id: '<a@x>' }, { id: '<b@x>', refs: '<a@x>', date: 3000 }, { id: '<c@x>', refs: '<a@x>', date: 2000 }], '(1 (3)(2))'],
    ['a missing parent with two replies stays a dummy', [{ id: '<b@x>', refs: '<a@x>' }, { id: '<c@x>', refs: '<a@x>' }], '((1)(2))'],
    ['a missing parent with one reply is pruned', [{ id: '<b@x>', refs: '<a@x>' }], '(1)'],
    ['a missing middle message', [{ id: '<a@x>' }, { id: '<c@x>', refs: '<a@x> <b@x>' }, { id: '<d@x>', refs: '<a@x> <b@x>' }], '(1 (2)(3))'],
    ['messages without an ID', [{ refs: '<a@x>' }, { refs: '<a@x>' }], '((1)(2))'],
    ['a duplicate ID gets a unique one', [{ id: '<a@x>' }, { id: '<a@x>' }], '(1)(2)'],
    ['a duplicate keeps its own references', [{ id: '<a@x>' }, { id: '<b@x>', refs: '<a@x>' }, { id: '<c@x>', refs: '<b@x>' }, { id: '<b@x>', refs: '<a@x>' }], '(1 (2 3)(4))'],
    ['a loop between two messages', [{ id: '<a@x>', refs: '<b@x>' }, { id: '<b@x>', refs: '<a@x>' }], '(2 1)'],
    ['a message referring to itself', [{ id: '<a@x>', refs: '<a@x>' }], '(1)'],
    ['a loop inside References', [{ id: '<c@x>', refs: '<a@x> <b@x> <a@x>' }], '(1)'],
    // imaptest thread: the message's own References replace the parent a later message presumed.
    ['1.C: the older presumed parent is thrown away', [{ id: '<a@x>', arrival: 3 }, { id: '<b@x>', refs: '<a@x> <c@x>', arrival: 1 }, { id: '<c@x>', refs: '<b@x>', arrival: 2 }], '(3 2)(1)'],
    ['1.B keeps the first link made', [{ id: '<m@x>', refs: '<a@x> <c@x>' }, { id: '<n@x>', refs: '<b@x> <c@x>' }, { id: '<a@x>' }, { id: '<b@x>' }], '(3 (1)(2))(4)'], // c stays under a; the dummy c is pruned
    // Step 5: subjects.
    ['a reply joins the thread of its subject', [{ id: '<a@x>', subject: 'foo' }, { id: '<b@x>', subject: 'Re: foo' }], '(1 2)'],
    ['the non-reply becomes the parent whatever the order', [{ id: '<b@x>', subject: 'Re: foo', arrival: 1 }, { id: '<a@x>', subject: 'foo', arrival: 2 }], '(2 1)'],
    ['two non-replies: a new dummy over both', [{ id: '<a@x>', subject: 'foo' }, { id: '<b@x>', subject: 'FOO' }], '((1)(2))'],
    ['two replies: a new dummy over both', [{ id: '<a@x>', subject: 'Re: foo' }, { id: '<b@x>', subject: 'fwd: foo' }], '((1)(2))'],
    ['a dummy takes the non-dummy in', [{ id: '<b@x>', refs: '<z@x>', subject: 'foo' }, { id: '<c@x>', refs: '<z@x>', subject: 'bar' }, { id: '<d@x>', subject: 'Re: foo' }], '((1)(2)(3))'],
    ['two dummies merge their children', [{ id: '<b@x>', refs: '<y@x>', subject: 's' }, { id: '<c@x>', refs: '<y@x>' }, { id: '<d@x>', refs: '<z@x>', subject: 'Re: s' }, { id: '<e@x>', refs: '<z@x>' }], '((1)(2)(3)(4))'],
    ['empty subjects are not gathered', [{ id: '<a@x>', subject: '' }, { id: '<b@x>', subject: 'Re: ' }], '(1)(2)'],
    ['only roots are gathered', [{ id: '<a@x>', subject: 'x' }, { id: '<b@x>', refs: '<a@x>', subject: 'foo' }, { id: '<c@x>', subject: 'foo' }], '(1 2)(3)'],
    // Step 6 ordering: by sent date, else the internal date; a dummy by its first child.
    ['roots by date, a dummy by its first child', [{ id: '<a@x>', date: 50 }, { id: '<b@x>', refs: '<z@x>', date: 40 }, { id: '<c@x>', refs: '<z@x>', date: 60 }], '((2)(3))(1)'],
    ['equal dates by sequence number', [{ id: '<a@x>', date: 5 }, { id: '<b@x>', date: 5 }], '(1)(2)'],
  ];
  for (const [name, specs, expected] of cases) assert.equal(references(specs), expected, name);
});

void test('THREAD=ORDEREDSUBJECT (RFC 5256 §2.3)', () => {
  const cases: [Spec[], string][] = [
    [[], ''],
    [[{ subject: 'a' }, { subject: 'b' }, { subject: 'Re: a' }], '(1 3)(2)'],
    [[{ subject: 'a' }, { subject: 'Re: A' }, { subject: 'fwd: a' }], '(1 (2)(3))'],
    [[{ subject: 'a', date: 30 }, { subject: 'a', date: 10 }, { subject: 'b', date: 20 }], '(2 1)(3)'],
    [[{}, { subject: '' }, { subject: ' ' }], '(1 (2)(3))'], // empty subjects make one thread
    [[{ subject: 'x', arrival: 9 }, { subject: 'x', arrival: 1 }], '(2 1)'], // no Date: the internal date
  ];
  for (const [specs, expected] of cases) assert.equal(formatThreads(threadOrderedSubject(build(specs)), false), expected, JSON.stringify(specs));
});

void test('formatThreads: RFC 5256 §4 syntax, sequence numbers or UIDs', () => {
  const [m1, m2, m3, m4] = build([{}, {}, {}, {}]) as [SearchableMessage, SearchableMessage, SearchableMessage, SearchableMessage];
  const leaf = (message: SearchableMessage): Thread => ({ message, children: [] });
  const threads: Thread[] = [
    { message: m1, children: [{ message: m2, children: [leaf(m3)] }] },
    { message: null, children: [leaf(m4), { message: null, children: [] }] },
    { message: null, children: [] },
  ];
  assert.equal(formatThreads(threads, false), '(1 2 3)((4))');
  assert.equal(formatThreads(threads, true), '(100 101 102)((103))');
  assert.equal(formatThreads([{ message: m1, children: [leaf(m2), { message: m3, children: [leaf(m4)] }] }], false), '(1 (2)(3 4))');
  assert.equal(formatThreads([], false), '');
});

void test('deep threads and long reference chains do not exhaust the stack', () => {
  const depth = 20_000;
  const chain = build(Array.from({ length: depth }, (_, i) => ({ id: `<m${i}@x>`, irt: i === 0 ? undefined : `<m${i - 1}@x>` }) as Spec));
  const text = formatThreads(threadReferences(chain), false);
  assert.equal(text, `(${Array.from({ length: depth }, (_, i) => i + 1).join(' ')})`);
  const refs = Array.from({ length: 5000 }, (_, i) => `<r${i}@x>`).join(' ');
  assert.equal(references([{ id: '<x@x>', refs }, { id: '<y@x>', refs }]), '((1)(2))');
});

void test('MAX_REFERENCES: only the last IDs of a References: value are used', () => {
  const refs = Array.from({ length: MAX_REFERENCES + 1 }, (_, i) => `<r${i}@x>`).join(' ');
  assert.equal(references([{ id: '<r1@x>' }, { id: '<z@x>', refs }]), '(1 2)'); // r1 is within the last 1000
  assert.equal(references([{ id: '<r0@x>' }, { id: '<z@x>', refs }]), '(1)(2)'); // r0 is dropped
});

const pool = ['<a@x>', '<b@x>', '<c@x>', '<d@x>', 'junk'];
const specArbitrary = fc.record({
  id: fc.option(fc.constantFrom(...pool), { nil: undefined }),
  refs: fc.option(fc.array(fc.constantFrom(...pool), { maxLength: 4 }).map((r) => r.join(' ')), { nil: undefined }),
  irt: fc.option(fc.constantFrom(...pool), { nil: undefined }),
  subject: fc.option(fc.constantFrom('s', 'Re: s', 'S (fwd)', 't', ''), { nil: undefined }),
  date: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  arrival: fc.integer({ min: 0, max: 5 }),
});

function collect(threads: readonly Thread[]): { seqs: number[]; badDummies: number } {
  const seqs: number[] = [];
  let badDummies = 0;
  const stack = threads.map((t) => ({ t, root: true }));
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.t.message !== null) seqs.push(item.t.message.seq);
    else if (!item.root || item.t.children.length < 2) badDummies++;
    for (const child of item.t.children) stack.push({ t: child, root: false });
  }
  return { seqs: seqs.sort((a, b) => a - b), badDummies };
}

void test('property: every message exactly once; dummies only at the root with two or more children', () => {
  fc.assert(
    fc.property(fc.array(specArbitrary, { maxLength: 10 }), (specs) => {
      const messages = build(specs as Spec[]);
      const all = messages.map((m) => m.seq);
      for (const threads of [threadReferences(messages), threadOrderedSubject(messages)]) {
        const { seqs, badDummies } = collect(threads);
        assert.deepEqual(seqs, all);
        assert.equal(badDummies, 0);
        const text = formatThreads(threads, false);
        assert.deepEqual((text.match(/\d+/g) ?? []).map(Number).sort((a, b) => a - b), all);
        let depth = 0;
        for (const ch of text) {
          depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
          assert.ok(depth >= 0);
        }
        assert.equal(depth, 0);
      }
      assert.equal(references(specs as Spec[]), references(specs as Spec[]));
    }),
    { numRuns: 500 },
  );
});
