import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { baseSubject } from './base-subject.ts';

void test('baseSubject: RFC 5256 §2.1 extraction', () => {
  const cases: [string, string, boolean][] = [
    ['', '', false],
    ['a', 'a', false],
    ['  padded  ', 'padded', false],
    ['tab\there\r\n  and', 'tab here and', false], // (1) whitespace
    ['Re: hello', 'hello', true],
    ['RE: Re: re: hello', 'hello', true],
    ['Re:hello', 'hello', true],
    ['Re : hello', 'hello', true],
    ['Re[2]: hello', 'hello', true],
    ['Re [2] : hello', 'hello', true],
    ['Fw: hello', 'hello', true],
    ['FWD: hello', 'hello', true],
    ['Fwd:Re: hello', 'hello', true],
    ['hello (fwd)', 'hello', true], // (2) trailer
    ['hello (FWD) (fwd)  ', 'hello', true],
    ['hello(fwd)', 'hello', true],
    ['[list] Re: hello', 'hello', true], // blobs before a refwd belong to the leader
    ['[list] hello', 'hello', false], // (4) a blob with something after it
    ['[list]', '[list]', false], // ... not when nothing would remain
    ['[a] [b]', '[b]', false],
    ['[a][b] c', 'c', false],
    ['[fwd: hello]', 'hello', true], // (6)
    ['[Fwd: Re: hello]', 'hello', true],
    ['re: [fwd: [fwd: re: [fwd: babylon]]]', 'babylon', true],
    ['[fwd: hello] tail', 'tail', false], // a plain blob then (4)
    ['[fwd: [x] tail', '[fwd: [x] tail', false], // not a blob ('[' inside), no "]" at the end
    ['[fwd:]', '', true],
    ['Ad: Re: Ad: Re: Ad: x', 'Ad: Re: Ad: Re: Ad: x', false],
    ['Really: no', 'Really: no', false],
    ['Refwd: no', 'Refwd: no', false],
    ['Re: [unclosed', '[unclosed', true],
    ['[unclosed Re: x', '[unclosed Re: x', false],
    ['Re: Ünïcode', 'Ünïcode', true],
    ['[liste é] Re: x', 'x', true], // non-ASCII inside a blob, as Dovecot
    // imaptest sort-subject cases
    ['[foo] Fwd: [bar] Re: fw: b (fWd)  (fwd)', 'b', true],
    ['b (a)', 'b (a)', false],
    ['Re: [FWD: c]', 'c', true],
    ['[xyz]', '[xyz]', false],
    [' ', '', false],
    ['RE: C', 'C', true],
    ['_', '_', false],
  ];
  for (const [input, subject, reply] of cases) assert.deepEqual(baseSubject(input), { subject, replyOrForward: reply }, JSON.stringify(input));
});

const pieces = ['Re', 're', 'Fw', 'FWD', ':', ' ', '\t', '[', ']', '[x]', '[fwd:', '(fwd)', '(FWD)', 'a', 'b c', 'é', ''];

void test('property: base subject is stable (extracting again changes nothing)', () => {
  const subjects = fc.oneof(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((p) => p.join('')), fc.string({ unit: 'binary', maxLength: 30 }));
  fc.assert(
    fc.property(subjects, (s) => {
      const once = baseSubject(s).subject;
      assert.deepEqual(baseSubject(once), { subject: once, replyOrForward: false });
      assert.ok(!once.startsWith(' ') && !once.endsWith(' '));
    }),
    { numRuns: 2000 },
  );
});

void test('long subjects are handled in linear time', () => {
  const long = `${'Re: '.repeat(50_000)}x${' (fwd)'.repeat(50_000)}`;
  assert.deepEqual(baseSubject(long), { subject: 'x', replyOrForward: true });
});
