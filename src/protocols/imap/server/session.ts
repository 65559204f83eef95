// One IMAP session's command dispatch (house rule 4): the states each command is valid in are
// declared in one table (RFC 9051 §3, §6), checked here once, and an exhaustive switch hands the
// command to its handler. After each command the selected mailbox is synchronised and changes
// made elsewhere are reported, except where sequence numbers must hold still (RFC 9051 §7.5.1:
// no EXPUNGE during FETCH, STORE or SEARCH by sequence number).

import { bad, no, type HandlerArgs, type ImapContext, type Outcome, type Phase, type SessionState } from './context.ts';
import { SERVER_BUG } from './errors.ts';
import type { Responder } from './responder.ts';
import type { ImapCommand, ImapCommandName } from '../wire/types.ts';
import { capability, enable, getQuota, getQuotaRoot, id, namespace } from './commands/any-state.ts';
import { append } from './commands/append.ts';
import { copyOrMove } from './commands/copy.ts';
import { expunge } from './commands/expunge.ts';
import { fetch } from './commands/fetch.ts';
import { list, lsub } from './commands/list.ts';
import { authenticate, authenticateContinue, login } from './commands/login.ts';
import { create, remove, rename, subscribe } from './commands/mailboxes.ts';
import { search, sort, thread } from './commands/search.ts';
import { close, select } from './commands/select.ts';
import { status } from './commands/status.ts';
import { store } from './commands/store.ts';
import { syncSelected } from './updates.ts';

const ANY: readonly Phase[] = ['notauth', 'auth', 'selected'];
const NOT_AUTHENTICATED: readonly Phase[] = ['notauth'];
const AUTHENTICATED: readonly Phase[] = ['auth', 'selected'];
const SELECTED: readonly Phase[] = ['selected'];

/** RFC 9051 §6: the states in which each command may be used. */
const VALID_IN: Readonly<Record<ImapCommandName, readonly Phase[]>> = {
  CAPABILITY: ANY,
  NOOP: ANY,
  CHECK: SELECTED,
  LOGOUT: ANY,
  ID: ANY,
  STARTTLS: NOT_AUTHENTICATED,
  AUTHENTICATE: NOT_AUTHENTICATED,
  LOGIN: NOT_AUTHENTICATED,
  ENABLE: AUTHENTICATED,
  SELECT: AUTHENTICATED,
  EXAMINE: AUTHENTICATED,
  CREATE: AUTHENTICATED,
  DELETE: AUTHENTICATED,
  RENAME: AUTHENTICATED,
  SUBSCRIBE: AUTHENTICATED,
  UNSUBSCRIBE: AUTHENTICATED,
  LIST: AUTHENTICATED,
  LSUB: AUTHENTICATED,
  NAMESPACE: AUTHENTICATED,
  STATUS: AUTHENTICATED,
  APPEND: AUTHENTICATED,
  IDLE: AUTHENTICATED,
  GETQUOTA: AUTHENTICATED,
  GETQUOTAROOT: AUTHENTICATED,
  SETQUOTA: AUTHENTICATED,
  COMPRESS: AUTHENTICATED,
  CLOSE: SELECTED,
  UNSELECT: SELECTED,
  EXPUNGE: SELECTED,
  'UID EXPUNGE': SELECTED,
  SEARCH: SELECTED,
  SORT: SELECTED,
  THREAD: SELECTED,
  FETCH: SELECTED,
  STORE: SELECTED,
  COPY: SELECTED,
  MOVE: SELECTED,
};

/** Commands by sequence number during which EXPUNGE must not be sent (RFC 9051 §7.5.1). */
function holdsSequenceNumbers(command: ImapCommand): boolean {
  switch (command.name) {
    case 'FETCH':
    case 'STORE':
    case 'SEARCH':
    case 'SORT':
    case 'THREAD':
    case 'COPY':
    case 'MOVE':
      return !command.uid;
    default:
      return false;
  }
}

export class ImapSession {
  readonly state: SessionState;
  private readonly ctx: ImapContext;
  private readonly out: Responder;

  constructor(ctx: ImapContext, state: SessionState, out: Responder) {
    this.ctx = ctx;
    this.state = state;
    this.out = out;
  }

  private args(tag: string): HandlerArgs {
    return { ctx: this.ctx, state: this.state, out: this.out, tag };
  }

  /** Runs a command; untagged responses are written, the tagged completion is returned. */
  async execute(tag: string, command: ImapCommand): Promise<Outcome> {
    if (!VALID_IN[command.name].includes(this.state.phase)) {
      return bad(this.state.phase === 'notauth' ? 'Log in first' : this.state.phase === 'selected' || command.name === 'LOGIN' || command.name === 'AUTHENTICATE' || command.name === 'STARTTLS' ? `${command.name} is not valid now` : 'Select a mailbox first');
    }
    let outcome: Outcome;
    const condstoreBefore = this.state.condstore;
    try {
      outcome = await this.dispatch(this.args(tag), command);
      // RFC 7162 §3.1: the first CONDSTORE-enabling command with a mailbox selected reports HIGHESTMODSEQ.
      const selected = this.state.selected;
      if (!condstoreBefore && this.state.condstore && selected && command.name !== 'SELECT' && command.name !== 'EXAMINE') {
        this.out.line(`OK [HIGHESTMODSEQ ${selected.highestModSeq}] Highest`);
      }
      if (this.state.selected && outcome.kind === 'done') {
        const always = command.name === 'NOOP' || command.name === 'CHECK' || command.name === 'SELECT' || command.name === 'EXAMINE';
        if (always || this.state.selected.dirty) await syncSelected(this.state, this.out, this.ctx.storage, !holdsSequenceNumbers(command));
      }
    } catch (error) {
      // House rule 8: a bug is logged and answered; the session survives.
      this.ctx.logger.error({ err: error, command: command.name }, 'imap command failed');
      outcome = no(SERVER_BUG.text, SERVER_BUG.code);
    }
    return outcome;
  }

  /** A line of an AUTHENTICATE exchange. */
  authenticateLine(tag: string, line: string): Promise<Outcome> {
    return authenticateContinue(this.args(tag), line);
  }

  /** Reports changes to the selected mailbox now (IDLE, RFC 2177). */
  async idleUpdate(): Promise<void> {
    if (this.state.selected) await syncSelected(this.state, this.out, this.ctx.storage, true);
  }

  private async dispatch(args: HandlerArgs, command: ImapCommand): Promise<Outcome> {
    switch (command.name) {
      case 'CAPABILITY':
        return capability(args);
      case 'NOOP':
      case 'CHECK':
        return { kind: 'done', completion: { status: 'OK', text: `${command.name} completed` } };
      case 'LOGOUT':
        return { kind: 'logout' };
      case 'ID':
        return id(args);
      case 'STARTTLS':
        if (this.state.tls || !this.state.startTlsOffered) return bad('TLS is already active or not offered here');
        return { kind: 'starttls' };
      case 'AUTHENTICATE':
        return authenticate(args, command.mechanism, command.initialResponse);
      case 'LOGIN':
        return login(args, command.user, command.password);
      case 'ENABLE':
        return enable(args, command.capabilities);
      case 'SELECT':
      case 'EXAMINE':
        return select(args, command.mailbox, command.name === 'EXAMINE', command.condstore, command.qresync);
      case 'CREATE':
        return create(args, command.mailbox, command.specialUse);
      case 'DELETE':
        return remove(args, command.mailbox);
      case 'RENAME':
        return rename(args, command.from, command.to);
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE':
        return subscribe(args, command.mailbox, command.name === 'SUBSCRIBE');
      case 'LIST':
        return list(args, command.reference, command.patterns, command.options, command.options.select.length > 0 || command.options.return.length > 0 || command.options.status !== undefined || command.patterns.length > 1);
      case 'LSUB':
        return lsub(args, command.reference, command.pattern);
      case 'NAMESPACE':
        return namespace(args);
      case 'STATUS':
        return status(args, command.mailbox, command.items);
      case 'APPEND':
        return append(args, command.mailbox, command.messages);
      case 'IDLE':
        return { kind: 'idle' };
      case 'GETQUOTA':
        return getQuota(args, command.root);
      case 'GETQUOTAROOT':
        return getQuotaRoot(args, command.mailbox);
      case 'SETQUOTA':
        return no('Quotas are set by the administrator', 'NOPERM');
      case 'COMPRESS':
        if (this.state.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE'); // RFC 4978 §3
        if (command.mechanism !== 'DEFLATE') return bad('Unknown compression mechanism');
        return { kind: 'compress' };
      case 'CLOSE':
      case 'UNSELECT':
        return close(args, command.name === 'CLOSE');
      case 'EXPUNGE':
        return expunge(args, undefined);
      case 'UID EXPUNGE':
        return expunge(args, command.set);
      case 'SEARCH':
        return search(args, command);
      case 'SORT':
        return sort(args, command);
      case 'THREAD':
        return thread(args, command);
      case 'FETCH':
        return fetch(args, command);
      case 'STORE':
        return store(args, command);
      case 'COPY':
      case 'MOVE':
        return copyOrMove(args, command);
    }
  }
}
