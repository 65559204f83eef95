// One POP3 session's command dispatch (house rule 4): every command is parsed by the wire
// layer, declared with the states it is allowed in, checked here in one place, and handed to
// its handler by an exhaustive switch. An exception in a handler is a bug: it is logged,
// answered [SYS/TEMP], and the session goes on (house rule 8). The session never touches the
// socket: it returns what the connection must do next (reply, challenge, start TLS).
// Input it does not trust: every line the client sends.
//
// Standards: RFC 1939 §3-§7 (states and commands), RFC 2449 §5 (CAPA in both states),
// RFC 2595 §4 (STLS only in AUTHORIZATION and only without TLS; afterwards everything learnt
// from the client is forgotten), RFC 5034 §4 (AUTH in AUTHORIZATION), RFC 6856 §2 (UTF8 in
// AUTHORIZATION), RFC 3206 §5 ([AUTH] for credentials refused before TLS).

import { formatListing } from '../wire/response.ts';
import { parseCommand, type Keyword, type Pop3Command } from '../wire/command.ts';
import { capabilityLines } from './capabilities.ts';
import { auth, authAbort, authContinue, type AuthStep } from './commands/auth.ts';
import { list, stat, uidl } from './commands/listing.ts';
import { pass, user, type Step } from './commands/login.ts';
import { dele, rset } from './commands/marks.ts';
import { quit } from './commands/quit.ts';
import { retr, top } from './commands/retrieve.ts';
import { MAX_INVALID_COMMANDS_PER_SESSION } from './limits.ts';
import { isLoopbackAddress } from './loopback.ts';
import type { Maildrop } from './maildrop.ts';
import {
  BARE_LF,
  BEGIN_TLS,
  error,
  INTERNAL_ERROR,
  ok,
  TLS_ACTIVE,
  TLS_REQUIRED,
  TOO_MANY_INVALID_COMMANDS,
  WRONG_STATE,
  type Reply,
} from './replies.ts';
import type { EndReason, Phase, Pop3Context, SessionState, TlsState } from './state.ts';

export type Action =
  | { readonly kind: 'reply'; readonly reply: Reply; readonly close?: boolean }
  /** A SASL challenge; the next line belongs to the exchange. */
  | { readonly kind: 'challenge'; readonly data: string }
  /** Send the reply, drop buffered plaintext, start TLS (RFC 2595 §4). */
  | { readonly kind: 'stls'; readonly reply: Reply };

const AUTHORIZATION: readonly Phase[] = ['authorization'];
const TRANSACTION: readonly Phase[] = ['transaction'];
const BOTH: readonly Phase[] = ['authorization', 'transaction'];

/** The states each command is allowed in (RFC 1939 §4-§7, RFC 2449 §5, RFC 2595 §4, RFC 5034 §4, RFC 6856 §2). */
export const COMMAND_STATES: Readonly<Record<Keyword, readonly Phase[]>> = {
  USER: AUTHORIZATION,
  PASS: AUTHORIZATION,
  AUTH: AUTHORIZATION,
  STLS: AUTHORIZATION,
  UTF8: AUTHORIZATION,
  STAT: TRANSACTION,
  LIST: TRANSACTION,
  RETR: TRANSACTION,
  DELE: TRANSACTION,
  NOOP: TRANSACTION,
  RSET: TRANSACTION,
  TOP: TRANSACTION,
  UIDL: TRANSACTION,
  CAPA: BOTH,
  QUIT: BOTH,
};

const LINE_TOO_LONG = error('Command line too long');
const NEED_USER = error('Send USER first');
const UTF8_ON = ok('UTF-8 mode enabled');

function reply(answer: Reply, close = false): Action {
  return close ? { kind: 'reply', reply: answer, close } : { kind: 'reply', reply: answer };
}

export class Pop3Session {
  readonly state: SessionState;
  private readonly ctx: Pop3Context;
  private finished = false;

  constructor(ctx: Pop3Context, state: SessionState) {
    this.ctx = ctx;
    this.state = state;
  }

  /** True while the next client line belongs to a SASL exchange. */
  get inSasl(): boolean {
    return this.state.sasl !== undefined || this.state.saslPendingAccount !== undefined;
  }

  /** Credentials may be sent: under TLS, or in plaintext from loopback when configured (RFC 2595 §2.1). */
  get authAllowed(): boolean {
    return this.state.tls !== undefined || (this.ctx.settings.plaintextLocalhost && isLoopbackAddress(this.state.remoteAddress));
  }

  /** One command line (without CRLF). Never throws. */
  async line(line: Uint8Array): Promise<Action> {
    try {
      if (this.inSasl) return this.fromAuth(await authContinue(this.ctx, this.state, Buffer.from(line).toString('latin1')));
      const parsed = parseCommand(line);
      if (!parsed.ok) {
        this.state.pendingUser = undefined;
        return this.invalid(error(parsed.error.text));
      }
      return await this.command(parsed.value);
    } catch (failure) {
      // House rule 8: a bug in a command; log it, answer a temporary failure, keep the session.
      this.ctx.logger.error({ err: failure, client: this.state.remoteAddress, user: this.state.account?.address }, 'pop3 command failed');
      this.state.sasl = undefined;
      this.state.saslPendingAccount = undefined;
      return reply(INTERNAL_ERROR, this.state.endReason === 'quit');
    }
  }

  /** A line the reader could not return: over-long, or ended by a bare LF. */
  invalidLine(kind: 'too-long' | 'bare-lf'): Action {
    if (this.inSasl) return this.fromStep(authAbort(this.state));
    this.state.pendingUser = undefined;
    return this.invalid(kind === 'too-long' ? LINE_TOO_LONG : BARE_LF);
  }

  /** After STLS: everything learnt from the client before TLS is forgotten (RFC 2595 §4). */
  tlsStarted(tls: TlsState): void {
    this.state.tls = tls;
    this.state.pendingUser = undefined;
    this.state.sasl = undefined;
    this.state.saslPendingAccount = undefined;
    this.state.utf8 = false;
  }

  /**
   * The session is over (the connection closed, however it closed): releases the maildrop lock
   * without entering UPDATE (RFC 1939 §6), and logs one line. Idempotent; never throws.
   */
  async finish(reason: EndReason): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const { state } = this;
    try {
      await state.lock?.release();
    } finally {
      this.ctx.logger.info(
        {
          client: state.remoteAddress,
          user: state.account?.address ?? null,
          tls: state.tls?.protocol ?? null,
          retrieved: state.maildrop?.retrievedCount ?? 0,
          deleted: state.removed,
          reason: state.endReason ?? reason,
        },
        'pop3 session',
      );
    }
  }

  private invalid(answer: Reply): Action {
    this.state.invalidCommands++;
    if (this.state.invalidCommands <= MAX_INVALID_COMMANDS_PER_SESSION) return reply(answer);
    this.state.endReason = 'invalid-commands';
    return reply(TOO_MANY_INVALID_COMMANDS, true);
  }

  private fromStep(step: Step): Action {
    return reply(step.reply, step.close === true);
  }

  private fromAuth(step: AuthStep): Action {
    return step.kind === 'challenge' ? { kind: 'challenge', data: step.data } : this.fromStep(step.step);
  }

  /** The state each command needs (the one place it is checked). */
  private refusal(command: Pop3Command, pendingUser: string | undefined): Reply | undefined {
    if (!COMMAND_STATES[command.keyword].includes(this.state.phase)) return WRONG_STATE;
    switch (command.keyword) {
      case 'USER':
      case 'AUTH':
        return this.authAllowed ? undefined : TLS_REQUIRED;
      case 'PASS':
        if (!this.authAllowed) return TLS_REQUIRED;
        return pendingUser === undefined ? NEED_USER : undefined;
      case 'STLS':
        return this.state.stlsOffered && this.state.tls === undefined ? undefined : TLS_ACTIVE;
      default:
        return undefined;
    }
  }

  private async command(command: Pop3Command): Promise<Action> {
    // RFC 1939 §7: PASS must follow USER at once; any other command forgets the name.
    const pendingUser = this.state.pendingUser;
    this.state.pendingUser = undefined;
    const refused = this.refusal(command, pendingUser);
    if (refused !== undefined) return reply(refused);
    const { ctx, state } = this;
    switch (command.keyword) {
      case 'USER':
        return reply(user(state, command.name));
      case 'PASS':
        return this.fromStep(await pass(ctx, state, pendingUser ?? '', command.password));
      case 'AUTH':
        return this.fromAuth(await auth(ctx, state, command.mechanism, command.initialResponse));
      case 'STLS':
        return { kind: 'stls', reply: BEGIN_TLS };
      case 'UTF8':
        state.utf8 = true;
        return reply(UTF8_ON);
      case 'CAPA':
        return reply(ok('Capability list follows', formatListing(capabilityLines(this.capabilityFacts()))));
      case 'QUIT':
        return this.fromStep(await quit(ctx, state));
      case 'STAT':
        return reply(stat(this.maildrop()));
      case 'LIST':
        return reply(list(this.maildrop(), command.message));
      case 'UIDL':
        return reply(uidl(this.maildrop(), command.message));
      case 'RETR':
        return reply(await retr(ctx, this.maildrop(), command.message));
      case 'TOP':
        return reply(await top(ctx, this.maildrop(), command.message, command.lines));
      case 'DELE':
        return reply(dele(this.maildrop(), command.message));
      case 'RSET':
        return reply(rset(this.maildrop()));
      case 'NOOP':
        return reply(ok(''));
    }
  }

  private capabilityFacts() {
    return {
      tls: this.state.tls !== undefined,
      stlsOffered: this.state.stlsOffered,
      authAllowed: this.authAllowed,
      expire: this.ctx.settings.expire,
      loginDelaySeconds: this.ctx.settings.loginDelaySeconds,
    };
  }

  /** The snapshot; TRANSACTION commands only run once it exists (COMMAND_STATES). */
  private maildrop(): Maildrop {
    const maildrop = this.state.maildrop;
    if (maildrop === undefined) throw new Error('pop3: a TRANSACTION command without a maildrop');
    return maildrop;
  }
}
