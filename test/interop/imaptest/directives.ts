// The `$!` list directives of expected untagged replies (imaptest test-parser.c): explicit
// ones are checked, and lists without any get imaptest's defaults, so matching is exactly
// imaptest's:
//   <seq> FETCH (...)            $!unordered=2
//   <seq> FETCH (... FLAGS (...)) $!unordered $!noextra $!ignore=\recent
//                                 $!ignore=$HasAttachment $!ignore=$HasNoAttachment
//   LIST|LSUB (...) sep name     $!unordered
//   STATUS name (...)            $!unordered=2
// Input: trusted test fixtures.

import { atomOf, type ImapArg } from './args.ts';

interface Context {
  readonly parent: Context | undefined;
  /** Untagged reply name (lower case below the root). */
  readonly replyName: string;
  readonly prevAtom: string | undefined;
  /** Index of this list in its parent (modulo the parent's chain size when above 1). */
  readonly parentChainIdx: number;
  chainCount: number;
  directives: boolean;
}

const directive = (value: string): ImapArg => ({ type: 'atom', value });

function defaults(ctx: Context): ImapArg[] {
  const parent = ctx.parent;
  if (!parent) return [];
  const name = ctx.replyName;
  const top = parent.parent === undefined && parent.parentChainIdx === 0;
  if (name === 'list' || name === 'lsub') {
    if (top && ctx.parentChainIdx === 1) return [directive('$!unordered')];
  } else if (name === 'status') {
    if (top && ctx.parentChainIdx === 2) return [directive('$!unordered=2')];
  } else if (name === 'fetch') {
    if (top && ctx.parentChainIdx === 2) return [directive('$!unordered=2')];
    const grand = parent.parent;
    if (grand && grand.parent === undefined && grand.parentChainIdx === 0 && parent.parentChainIdx === 2 && ctx.prevAtom === 'flags') {
      return ['$!ignore=$HasNoAttachment', '$!ignore=$HasAttachment', '$!ignore=\\recent', '$!noextra', '$!unordered'].map(directive);
    }
  }
  return [];
}

function handle(ctx: Context, items: readonly ImapArg[]): ImapArg[] {
  for (const item of items) {
    if (item.type !== 'atom' || !item.value.startsWith('$!')) break;
    const body = item.value.slice(2);
    if (body.startsWith('unordered')) {
      const rest = body.slice('unordered'.length);
      if (rest === '') {
        // chain size stays
      } else if (/^=\d+$/.test(rest)) {
        ctx.chainCount = Number(rest.slice(1));
      } else {
        throw new Error('Broken $!unordered directive');
      }
    } else if (!(body === 'ordered' || body === 'noextra' || body === 'extra' || body.startsWith('ignore=') || body.startsWith('ban='))) {
      throw new Error(`Unknown directive: ${body}`);
    }
    ctx.directives = true;
  }
  const list = ctx.directives ? [...items] : [...defaults(ctx), ...items];
  let prevAtom: string | undefined;
  return list.map((arg, i) => {
    const atom = atomOf(arg);
    if (atom !== undefined) prevAtom = atom.toLowerCase();
    if (arg.type !== 'list') return arg;
    const sub: Context = {
      parent: ctx,
      replyName: ctx.replyName.toLowerCase(),
      prevAtom,
      parentChainIdx: ctx.chainCount === 1 ? i : i % ctx.chainCount,
      chainCount: 1,
      directives: false,
    };
    return { type: 'list', items: handle(sub, arg.items) };
  });
}

/** Adds default directives to an expected untagged reply; also returns its reply name. */
export function applyDirectives(args: readonly ImapArg[]): { args: ImapArg[]; replyName: string } {
  let replyName = atomOf(args[0]) ?? '';
  if (replyName.startsWith('$') || /^[0-9]/.test(replyName)) replyName = atomOf(args[1]) ?? '';
  const root: Context = { parent: undefined, replyName, prevAtom: undefined, parentChainIdx: 0, chainCount: 1, directives: false };
  return { args: handle(root, args), replyName };
}
