// One mail transaction of the client: MAIL, the RCPTs, then the content with DATA or BDAT,
// and an outcome for every recipient. The plan (message-plan.ts) has already chosen the
// parameters and the octets; this module only talks. Input it does not trust: the server's
// replies, in any order or shape: a reply of the wrong class is a protocol failure, a broken
// connection leaves every recipient not yet decided with a temporary outcome.
//
// Standards: RFC 5321 §3.3 (MAIL, RCPT, DATA; RSET between transactions on one connection,
// §4.1.1.5), §4.1.1.4 (DATA: 354, then the content and "." CRLF; DataEncoder), §4.2.1 and
// §4.2.5 (the final reply decides for every accepted recipient), §3.8 (421: the server is
// going away), §6.1 (a connection lost before the final reply: the message is still ours, so
// temporary), RFC 2920 §3.1 (PIPELINING: RSET, MAIL, the RCPTs and DATA, which may end a
// group, in one write, in groups of at most PIPELINE_GROUP_COMMANDS; the content only after
// every reply is read, so none is sent when no recipient was accepted: a server that answers
// DATA with 354 all the same gets the bare "." line, an empty message for nobody), RFC 3030 §2 (BDAT chunks, pipelined when PIPELINING is
// offered as in its §4 examples; after a failed chunk no more are sent unless already
// pipelined, and the replies of those are still read).

import { err, ok, type Result } from '../../../core/result.ts';
import { DataEncoder } from '../wire/data-encoder.ts';
import type { Reply } from '../wire/reply.ts';
import type { ChannelError, SmtpChannel } from './channel.ts';
import { rcptCommand } from './envelope.ts';
import type { Extensions } from './extensions.ts';
import { BDAT_CHUNK_OCTETS, DATA_WRITE_OCTETS, PIPELINE_GROUP_COMMANDS } from './limits.ts';
import { planMessage } from './message-plan.ts';
import { localOutcome, outcomeFromReply, replyClass, replyInfo } from './outcome.ts';
import type { OutgoingMessage, RecipientOutcome, SessionFailure, Timeouts } from './types.ts';

export interface TransactionContext {
  readonly channel: SmtpChannel;
  readonly extensions: Extensions;
  readonly timeouts: Timeouts;
  readonly tlsAuthorized: boolean;
  /** An earlier transaction ran on this connection: RSET first (RFC 5321 §4.1.1.5). */
  readonly reset: boolean;
}

export interface TransactionResult {
  /** One per recipient, in order. */
  readonly outcomes: readonly RecipientOutcome[];
  /** Commands went out, so the next transaction starts with RSET. */
  readonly commandsSent: boolean;
  /** The session cannot go on (the connection is gone or out of step). */
  readonly failure?: SessionFailure;
}

/** The failure a channel error means for the session. */
export function channelFailure(error: ChannelError): SessionFailure {
  const stage = error.kind === 'timeout' ? 'timeout' : error.kind === 'closed' ? 'closed' : 'protocol';
  return { stage, temporary: true, detail: error.detail };
}

type Step<T> = Result<T, SessionFailure>;

function protocolFailure(reply: Reply, after: string): SessionFailure {
  return { stage: 'protocol', temporary: true, detail: `unexpected reply ${reply.code} to ${after}`, reply: replyInfo(reply) };
}

interface Envelope {
  readonly mail: Reply;
  readonly rcptReplies: Reply[];
  /** The reply to DATA when it was pipelined with the envelope. */
  readonly dataReply?: Reply;
}

class Transaction {
  readonly #ctx: TransactionContext;
  readonly #message: OutgoingMessage;
  readonly #outcomes: (RecipientOutcome | undefined)[];
  #sent = false;

  constructor(ctx: TransactionContext, message: OutgoingMessage) {
    this.#ctx = ctx;
    this.#message = message;
    this.#outcomes = message.recipients.map(() => undefined);
  }

  async run(): Promise<TransactionResult> {
    const ran = await this.#run();
    const failure = ran.ok ? undefined : ran.error;
    const outcomes = this.#message.recipients.map((recipient, i) => {
      const decided = this.#outcomes[i];
      if (decided !== undefined) return decided;
      // RFC 5321 §6.1: without a final reply the message is still ours to retry.
      if (failure?.reply !== undefined && failure.reply.code >= 400) return outcomeFromReply(recipient.address, failure.reply, 'the server ended the session');
      return localOutcome(recipient.address, 'temporary', '4.4.2', failure?.detail ?? 'no reply decided this recipient');
    });
    return { outcomes, commandsSent: this.#sent, ...(failure !== undefined ? { failure } : {}) };
  }

  async #run(): Promise<Step<void>> {
    const ctx = this.#ctx;
    const ext = ctx.extensions;
    const recipients = this.#message.recipients;
    const plan = planMessage(this.#message, ctx);
    if (plan.kind === 'refuse') {
      recipients.forEach((recipient, i) => (this.#outcomes[i] = localOutcome(recipient.address, plan.status, plan.enhanced, plan.detail)));
      return ok(undefined);
    }
    const rcpts: { readonly index: number; readonly line: string }[] = [];
    recipients.forEach((recipient, index) => {
      const line = rcptCommand(recipient, { smtputf8: plan.smtputf8, dsn: ext.dsn });
      if (line.ok) rcpts.push({ index, line: line.value });
      else this.#outcomes[index] = localOutcome(recipient.address, 'permanent', '5.1.3', `bad recipient address: ${line.error}`);
    });
    if (rcpts.length === 0) return ok(undefined);

    const envelope = ext.pipelining ? await this.#pipelinedEnvelope(plan.mail, rcpts, plan.transfer === 'data') : await this.#envelope(plan.mail, rcpts);
    if (!envelope.ok) return envelope;
    const { mail, rcptReplies, dataReply } = envelope.value;
    const all = rcpts.map((rcpt) => rcpt.index);
    const mailStep = this.#negative(mail, 'MAIL FROM', all);
    if (!mailStep.ok) return mailStep;
    if (mailStep.value) return this.#abandonData(dataReply);
    const accepted: number[] = [];
    for (const [i, rcpt] of rcpts.entries()) {
      const reply = rcptReplies[i];
      if (reply === undefined) return err(protocolFailure(mail, 'RCPT TO'));
      const step = this.#negative(reply, 'RCPT TO', [rcpt.index]);
      if (!step.ok) return step;
      if (!step.value) accepted.push(rcpt.index);
    }
    if (accepted.length === 0) return this.#abandonData(dataReply);
    const final = plan.transfer === 'bdat' ? await this.#bdat(plan.data) : await this.#data(plan.data, accepted, dataReply);
    if (!final.ok || final.value === undefined) return final.ok ? ok(undefined) : final;
    return this.#final(final.value.reply, final.value.after, accepted);
  }

  /**
   * RFC 2920 §3.1: RSET, MAIL and the RCPTs in one write, then their replies, in order. At most
   * PIPELINE_GROUP_COMMANDS RCPTs go per write, their replies read before the next write: a
   * server that stops reading while its replies are unread cannot deadlock us.
   */
  async #pipelinedEnvelope(mailLine: string, rcpts: readonly { readonly line: string }[], withData: boolean): Promise<Step<Envelope>> {
    const { timeouts, reset } = this.#ctx;
    let mail: Reply | undefined;
    let dataReply: Reply | undefined;
    const rcptReplies: Reply[] = [];
    for (let start = 0; start < rcpts.length; start += PIPELINE_GROUP_COMMANDS) {
      const first = start === 0;
      const data = withData && start + PIPELINE_GROUP_COMMANDS >= rcpts.length;
      const lines = rcpts.slice(start, start + PIPELINE_GROUP_COMMANDS).map((rcpt) => `${rcpt.line}\r\n`);
      const group = `${first && reset ? 'RSET\r\n' : ''}${first ? `${mailLine}\r\n` : ''}${lines.join('')}${data ? 'DATA\r\n' : ''}`;
      const written = await this.#write(group, timeouts.command, 'MAIL and RCPT');
      if (!written.ok) return written;
      if (first) {
        if (reset) {
          const resetStep = await this.#reset();
          if (!resetStep.ok) return resetStep;
        }
        const mailReply = await this.#read(timeouts.mail, 'MAIL FROM');
        if (!mailReply.ok) return mailReply;
        mail = mailReply.value;
      }
      // After a refused MAIL the RCPT replies (503) are still read: the stream stays in step.
      for (const _ of lines) {
        const reply = await this.#read(timeouts.rcpt, 'RCPT TO');
        if (!reply.ok) return reply;
        rcptReplies.push(reply.value);
      }
      if (data) {
        const reply = await this.#read(timeouts.dataInit, 'DATA');
        if (!reply.ok) return reply;
        dataReply = reply.value;
      }
      if (mail !== undefined && replyClass(mail.code) !== 'positive') break;
    }
    if (mail === undefined) return err({ stage: 'protocol', temporary: true, detail: 'no reply to MAIL FROM' });
    return ok({ mail, rcptReplies, ...(dataReply === undefined ? {} : { dataReply }) });
  }

  /**
   * No recipient can take the content: a pipelined DATA the server answered with 354 anyway
   * gets the end of data at once (nothing sent), and its reply is read to stay in step.
   */
  async #abandonData(dataReply: Reply | undefined): Promise<Step<void>> {
    if (dataReply?.code !== 354) return ok(undefined);
    const ended = await this.#write(new DataEncoder().end(), this.#ctx.timeouts.dataBlock, 'the end of data');
    if (!ended.ok) return ended;
    const reply = await this.#read(this.#ctx.timeouts.dataEnd, 'the end of data');
    return reply.ok ? ok(undefined) : reply;
  }

  /** Without PIPELINING: one command, one reply; no RCPT after a refused MAIL. */
  async #envelope(mailLine: string, rcpts: readonly { readonly line: string }[]): Promise<Step<Envelope>> {
    const { timeouts, reset } = this.#ctx;
    if (reset) {
      const written = await this.#write('RSET\r\n', timeouts.command, 'RSET');
      if (!written.ok) return written;
      const resetStep = await this.#reset();
      if (!resetStep.ok) return resetStep;
    }
    const mailWritten = await this.#write(`${mailLine}\r\n`, timeouts.mail, 'MAIL FROM');
    if (!mailWritten.ok) return mailWritten;
    const mail = await this.#read(timeouts.mail, 'MAIL FROM');
    if (!mail.ok) return mail;
    const rcptReplies: Reply[] = [];
    if (replyClass(mail.value.code) !== 'positive') return ok({ mail: mail.value, rcptReplies });
    for (const rcpt of rcpts) {
      const written = await this.#write(`${rcpt.line}\r\n`, timeouts.rcpt, 'RCPT TO');
      if (!written.ok) return written;
      const reply = await this.#read(timeouts.rcpt, 'RCPT TO');
      if (!reply.ok) return reply;
      rcptReplies.push(reply.value);
    }
    return ok({ mail: mail.value, rcptReplies });
  }

  /** RFC 5321 §4.1.1.5: RSET must succeed, or the server's state is unknown. */
  async #reset(): Promise<Step<void>> {
    const reply = await this.#read(this.#ctx.timeouts.command, 'RSET');
    if (!reply.ok) return reply;
    if (replyClass(reply.value.code) === 'positive') return ok(undefined);
    const closing = reply.value.code === 421;
    return err({ stage: closing ? 'closed' : 'protocol', temporary: true, detail: `RSET refused with ${reply.value.code}`, reply: replyInfo(reply.value) });
  }

  /**
   * A reply to MAIL, RCPT or DATA: positive lets the transaction go on (false); a negative
   * reply decides the recipients (true), and 421 also ends the session (RFC 5321 §3.8); any
   * other class breaks the protocol.
   */
  #negative(reply: Reply, after: string, indexes: readonly number[]): Step<boolean> {
    const kind = replyClass(reply.code);
    if (kind === 'positive') return ok(false);
    if (kind === 'intermediate') return err(protocolFailure(reply, after));
    const info = replyInfo(reply);
    for (const index of indexes) this.#outcomes[index] = outcomeFromReply(this.#address(index), info, after);
    if (reply.code === 421) return err({ stage: 'closed', temporary: true, detail: `the server is closing the connection (421 to ${after})`, reply: info });
    return ok(true);
  }

  /** The final reply after the content decides every accepted recipient (RFC 5321 §4.2.5). */
  #final(reply: Reply, after: string, indexes: readonly number[]): Step<void> {
    if (replyClass(reply.code) === 'intermediate') return err(protocolFailure(reply, after));
    const info = replyInfo(reply);
    for (const index of indexes) this.#outcomes[index] = outcomeFromReply(this.#address(index), info, after);
    if (reply.code === 421) return err({ stage: 'closed', temporary: true, detail: `the server is closing the connection (421 to ${after})`, reply: info });
    return ok(undefined);
  }

  #address(index: number): string {
    return this.#message.recipients[index]?.address ?? '';
  }

  async #write(data: string | Uint8Array, timeoutMs: number, what: string): Promise<Step<void>> {
    this.#sent = true;
    const written = await this.#ctx.channel.write(data, timeoutMs, what);
    return written.ok ? written : err(channelFailure(written.error));
  }

  async #read(timeoutMs: number, what: string): Promise<Step<Reply>> {
    const reply = await this.#ctx.channel.read(timeoutMs, what);
    return reply.ok ? reply : err(channelFailure(reply.error));
  }

  /**
   * RFC 5321 §4.1.1.4: DATA, 354, the dot-stuffed content, ".", then the final reply.
   * `pipelined`: the reply to a DATA sent with the envelope.
   */
  async #data(data: Uint8Array, accepted: readonly number[], pipelined: Reply | undefined): Promise<Step<{ reply: Reply; after: string } | undefined>> {
    const { timeouts } = this.#ctx;
    const start = pipelined === undefined ? await this.#askData() : ok(pipelined);
    if (!start.ok) return start;
    if (start.value.code !== 354) {
      if (replyClass(start.value.code) !== 'temporary' && replyClass(start.value.code) !== 'permanent') return err(protocolFailure(start.value, 'DATA'));
      const refused = this.#negative(start.value, 'DATA', accepted);
      return refused.ok ? ok(undefined) : refused;
    }
    const encoder = new DataEncoder();
    for (let offset = 0; offset < data.length; offset += DATA_WRITE_OCTETS) {
      const encoded = encoder.push(data.subarray(offset, offset + DATA_WRITE_OCTETS));
      // The last block goes with the end of data in one write (one system call, one segment).
      const last = offset + DATA_WRITE_OCTETS >= data.length;
      const written = await this.#write(last ? Buffer.concat([encoded, encoder.end()]) : encoded, timeouts.dataBlock, 'the message');
      if (!written.ok) return written;
    }
    if (data.length === 0) {
      const ended = await this.#write(encoder.end(), timeouts.dataBlock, 'the end of data');
      if (!ended.ok) return ended;
    }
    const final = await this.#read(timeouts.dataEnd, 'the end of data');
    return final.ok ? ok({ reply: final.value, after: 'end of data' }) : final;
  }

  async #askData(): Promise<Step<Reply>> {
    const asked = await this.#write('DATA\r\n', this.#ctx.timeouts.dataInit, 'DATA');
    return asked.ok ? this.#read(this.#ctx.timeouts.dataInit, 'DATA') : asked;
  }

  /** RFC 3030 §2: the content in BDAT chunks, the last marked LAST; its reply is the final one. */
  async #bdat(data: Uint8Array): Promise<Step<{ reply: Reply; after: string }>> {
    const { timeouts, extensions } = this.#ctx;
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < data.length; offset += BDAT_CHUNK_OCTETS) chunks.push(data.subarray(offset, offset + BDAT_CHUNK_OCTETS));
    if (chunks.length === 0) chunks.push(new Uint8Array(0));
    const lastIndex = chunks.length - 1;
    const send = async (i: number, chunk: Uint8Array): Promise<Step<void>> => {
      const written = await this.#write(`BDAT ${chunk.length}${i === lastIndex ? ' LAST' : ''}\r\n`, timeouts.dataBlock, 'BDAT');
      return written.ok && chunk.length > 0 ? this.#write(chunk, timeouts.dataBlock, 'a BDAT chunk') : written;
    };
    const timeoutFor = (i: number) => (i === lastIndex ? timeouts.dataEnd : timeouts.dataBlock);
    if (extensions.pipelining) {
      // RFC 3030 §4: chunks pipelined; every chunk's reply is read, the first failure decides.
      for (const [i, chunk] of chunks.entries()) {
        const sent = await send(i, chunk);
        if (!sent.ok) return sent;
      }
      let decisive: Reply | undefined;
      for (const i of chunks.keys()) {
        const reply = await this.#read(timeoutFor(i), 'BDAT');
        if (!reply.ok) return reply;
        if (decisive === undefined && (replyClass(reply.value.code) !== 'positive' || i === lastIndex)) decisive = reply.value;
      }
      return decisive === undefined ? err({ stage: 'protocol', temporary: true, detail: 'no reply to BDAT' }) : ok({ reply: decisive, after: 'BDAT' });
    }
    for (const [i, chunk] of chunks.entries()) {
      const sent = await send(i, chunk);
      if (!sent.ok) return sent;
      const reply = await this.#read(timeoutFor(i), 'BDAT');
      if (!reply.ok) return reply;
      // RFC 3030 §2: after a failed chunk no further chunk is sent.
      if (replyClass(reply.value.code) !== 'positive' || i === lastIndex) return ok({ reply: reply.value, after: 'BDAT' });
    }
    return err({ stage: 'protocol', temporary: true, detail: 'no BDAT chunk was sent' });
  }
}

/** Runs one transaction (or refuses the message without sending a command). */
export function sendMessage(ctx: TransactionContext, message: OutgoingMessage): Promise<TransactionResult> {
  return new Transaction(ctx, message).run();
}
