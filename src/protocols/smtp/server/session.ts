// One SMTP session's command dispatch (house rule 4): every command is parsed by the wire
// layer, its state requirements are checked here in one place, and an exhaustive switch hands
// it to its handler. The session never touches the socket: it returns what the connection
// must do next (send a reply, start TLS, read DATA, read a BDAT chunk, continue SASL).
// Input it does not trust: every line the client sends.

import { asciiText } from '../wire/text.ts';
import { parseCommand, type SmtpCommand } from '../wire/command.ts';
import { auth, authContinue, type AuthStep } from './commands/auth.ts';
import { hello } from './commands/hello.ts';
import { mailFrom } from './commands/mail.ts';
import { finishMessage, type DataOutcome } from './commands/message.ts';
import { rcptTo } from './commands/rcpt.ts';
import { BAD_SEQUENCE, OK, reply, TOO_MANY_ERRORS, type Reply } from './replies.ts';
import type { SessionState, SmtpContext } from './state.ts';

export type Action =
  | { readonly kind: 'reply'; readonly reply: Reply; readonly close?: boolean }
  | { readonly kind: 'starttls'; readonly reply: Reply }
  | { readonly kind: 'data'; readonly reply: Reply }
  | { readonly kind: 'bdat'; readonly size: number; readonly last: boolean }
  | { readonly kind: 'sasl'; readonly reply: Reply };

/** Commands that may only end a pipelined group (RFC 2920 §3.1); DATA and STARTTLS are stricter. */
export const LAST_IN_GROUP: ReadonlySet<string> = new Set(['EHLO', 'HELO', 'DATA', 'QUIT', 'NOOP', 'VRFY', 'EXPN', 'STARTTLS']);

const QUIT = reply(221, '2.0.0', 'Bye');
const NEED_HELO = BAD_SEQUENCE('send EHLO or HELO first');

export class SmtpSession {
  readonly state: SessionState;
  private readonly ctx: SmtpContext;

  constructor(ctx: SmtpContext, state: SessionState) {
    this.ctx = ctx;
    this.state = state;
  }

  /** True while the next client line belongs to a SASL exchange. */
  get inSasl(): boolean {
    return this.state.sasl !== undefined || this.state.saslPendingAccount !== undefined;
  }

  /** Counts a failed command; past the limit the session ends (421). */
  private answer(reply: Reply, close = false): Action {
    if (reply.code >= 400) {
      this.state.errors++;
      if (this.state.errors > this.ctx.limits.maxErrors) return { kind: 'reply', reply: TOO_MANY_ERRORS, close: true };
    }
    return { kind: 'reply', reply, close };
  }

  private fromAuth(step: AuthStep): Action {
    if (step.continues) return { kind: 'sasl', reply: step.reply };
    return this.answer(step.reply, step.close === true);
  }

  async line(line: Uint8Array): Promise<Action> {
    if (this.inSasl) return this.fromAuth(await authContinue(this.state, asciiText(line)));
    const parsed = parseCommand(line, {
      utf8Permitted: this.state.helo?.esmtp === true,
      smtputf8Transaction: this.state.transaction?.params.smtputf8 === true,
    });
    if (!parsed.ok) {
      // A BDAT line we cannot read leaves its chunk's bytes unlocatable: framing is lost (RFC 3030 §2).
      const framingLost = /^bdat\b/i.test(asciiText(line.subarray(0, 5)));
      return this.answer(reply(parsed.error.code, parsed.error.enhanced, parsed.error.text), framingLost);
    }
    return this.command(parsed.value);
  }

  /** The state each command needs (the one place it is checked). */
  private refusal(command: SmtpCommand): Reply | undefined {
    const { helo, transaction } = this.state;
    switch (command.verb) {
      case 'MAIL':
        if (!helo) return NEED_HELO;
        if (transaction) return BAD_SEQUENCE('nested MAIL command');
        return undefined;
      case 'RCPT':
        return transaction ? undefined : BAD_SEQUENCE('need MAIL before RCPT');
      case 'DATA':
        if (!transaction) return BAD_SEQUENCE('need MAIL before DATA');
        if (transaction.bdat) return BAD_SEQUENCE('DATA after BDAT');
        if (transaction.params.body === 'BINARYMIME') return BAD_SEQUENCE('BODY=BINARYMIME needs BDAT (RFC 3030 §3)');
        if (transaction.recipients.length === 0) return reply(554, '5.5.1', 'No valid recipients');
        return undefined;
      case 'AUTH':
      case 'STARTTLS':
        return helo?.esmtp ? undefined : BAD_SEQUENCE('send EHLO first');
      case 'BDAT':
        return helo?.esmtp ? undefined : BAD_SEQUENCE('send EHLO first');
      case 'EHLO':
      case 'HELO':
      case 'RSET':
      case 'NOOP':
      case 'QUIT':
      case 'VRFY':
      case 'EXPN':
      case 'HELP':
        return undefined;
    }
  }

  private async command(command: SmtpCommand): Promise<Action> {
    const refused = this.refusal(command);
    // BDAT's chunk must be read even when refused, or its bytes would be taken for commands.
    if (refused && command.verb !== 'BDAT') return this.answer(refused);
    const state = this.state;
    switch (command.verb) {
      case 'EHLO':
      case 'HELO':
        return { kind: 'reply', reply: hello(this.ctx, state, command.verb === 'EHLO', command.domain) };
      case 'MAIL':
        return this.answer(await mailFrom(this.ctx, state, command.path, command.params));
      case 'RCPT': {
        const transaction = state.transaction;
        if (!transaction) return this.answer(BAD_SEQUENCE('need MAIL before RCPT'));
        const answer = await rcptTo(this.ctx, state, transaction, command.path, command.params);
        if (answer.code >= 400) transaction.refusedRecipients++;
        return this.answer(answer);
      }
      case 'DATA':
        return { kind: 'data', reply: reply(354, '', 'End data with <CR><LF>.<CR><LF>') };
      case 'BDAT':
        return { kind: 'bdat', size: command.size, last: command.last };
      case 'RSET':
        state.transaction = undefined;
        return { kind: 'reply', reply: OK };
      case 'NOOP':
        return { kind: 'reply', reply: OK };
      case 'QUIT':
        return { kind: 'reply', reply: QUIT, close: true };
      case 'VRFY':
        // RFC 5321 §3.5.3: 252 neither confirms nor denies (no address harvesting).
        return { kind: 'reply', reply: reply(252, '2.5.0', 'Cannot VRFY user; send mail and it will be delivered or refused') };
      case 'EXPN':
        return this.answer(reply(502, '5.5.1', 'EXPN is not available'));
      case 'HELP':
        return { kind: 'reply', reply: reply(214, '2.0.0', 'See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY STARTTLS AUTH') };
      case 'STARTTLS':
        if (!state.startTlsOffered || state.tls) return this.answer(reply(503, '5.5.1', 'TLS is not available or already active'));
        return { kind: 'starttls', reply: reply(220, '2.0.0', 'Ready to start TLS') };
      case 'AUTH':
        return this.fromAuth(await auth(this.ctx, state, command.mechanism, command.initialResponse));
    }
  }

  /** After STARTTLS: the session starts over, knowing nothing from before (RFC 3207 §4.2). */
  tlsStarted(tls: { protocol: string; cipher: string }): void {
    this.state.tls = tls;
    this.state.helo = undefined;
    this.state.transaction = undefined;
    this.state.account = undefined;
    this.state.sasl = undefined;
    this.state.saslPendingAccount = undefined;
  }

  /** The end of DATA (or of the last BDAT chunk): the message in the pieces it arrived in. */
  dataEnd(message: readonly Uint8Array[], outcome: DataOutcome): Promise<Reply> {
    return finishMessage(this.ctx, this.state, message, outcome);
  }

  /**
   * A BDAT chunk has been read (RFC 3030 §2). Chunks of a refused transaction are drained and
   * answered with the refusal; the last chunk of an accepted one ends the message.
   */
  async chunk(bytes: readonly Uint8Array[], size: number, last: boolean): Promise<Action> {
    const transaction = this.state.transaction;
    if (!transaction) return this.answer(BAD_SEQUENCE('need MAIL and RCPT before BDAT'));
    if (transaction.recipients.length === 0) {
      if (last) this.state.transaction = undefined;
      return this.answer(reply(554, '5.5.1', 'No valid recipients'));
    }
    const bdat = (transaction.bdat ??= { octets: 0, failed: undefined, chunks: [] });
    bdat.octets += size;
    if (bdat.octets > this.ctx.limits.maxMessageSize) {
      bdat.failed = 'too-large';
      bdat.chunks = [];
    } else if (bdat.failed === undefined) {
      bdat.chunks.push(...bytes);
    }
    if (!last) {
      if (bdat.failed === 'too-large') return { kind: 'reply', reply: reply(552, '5.3.4', 'Message too big; the rest of it is discarded') };
      return { kind: 'reply', reply: reply(250, '2.0.0', `${size} octets received`) };
    }
    const outcome: DataOutcome = bdat.failed === 'too-large' ? 'too-large' : 'ok';
    return { kind: 'reply', reply: await this.dataEnd(bdat.chunks, outcome) };
  }
}
