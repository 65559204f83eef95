// Helpers shared by the IMAP wire tests: byte strings written as text, ways of splitting input
// (house rule 2: every case also fed one byte at a time), and a driver that runs a reader the
// way a server does (drain next() after each push, read a raw line when one is expected).

import fc from 'fast-check';
import { bytes, concat, cuts, latin1, oneByteAtATime, splitAt, utf8 } from '../../wire-bytes.test-support.ts';

export { bytes, concat, cuts, latin1, oneByteAtATime, splitAt, utf8 };
import type { ReaderLimits } from './limits.ts';
import { ImapCommandReader, type RawLine, type ReaderEvent } from './reader.ts';

/** Bytes rich in the octets that matter to IMAP framing. */
export const framingBytes = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(0x0d, 0x0a, 0x20, 0x00, 0x22, 0x5c, 0x28, 0x29, 0x7b, 0x7d, 0x2b, 0x7e, 0x31, 0x35, 0x5b, 0x5d, 0x2a),
        fc.integer({ min: 0, max: 255 }),
      ),
      { maxLength },
    )
    .map((array) => Uint8Array.from(array));

/** What a test sees: events, and raw lines when the driver expected one. */
export type Seen = ReaderEvent | { readonly kind: 'raw'; readonly line: RawLine };

export interface DriveOptions {
  readonly limits?: Partial<ReaderLimits>;
  /** Called after each command event: return true to read the next line raw (AUTHENTICATE, IDLE). */
  readonly rawAfter?: (event: ReaderEvent) => boolean;
}

/** Pushes each part and drains the reader after each push, as a server does. */
export function drive(parts: readonly Uint8Array[], options: DriveOptions = {}): { events: Seen[]; reader: ImapCommandReader } {
  const reader = new ImapCommandReader(options.limits ?? {});
  const events: Seen[] = [];
  let raw = false;
  const drain = () => {
    for (;;) {
      if (raw) {
        const line = reader.nextLine();
        if (line === undefined) return;
        events.push({ kind: 'raw', line });
        raw = false;
        continue;
      }
      const event = reader.next();
      if (event === undefined) return;
      events.push(event);
      if (event.kind === 'command' && options.rawAfter?.(event) === true) {
        reader.expectLine();
        raw = true;
      }
    }
  };
  for (const part of parts) {
    reader.push(part);
    drain();
  }
  return { events, reader };
}

/** The input as one push and one byte at a time must give the same events; returns them. */
export function driveBothWays(input: Uint8Array, options: DriveOptions = {}): Seen[] {
  const whole = drive([input], options).events;
  const split = drive(oneByteAtATime(input), options).events;
  if (JSON.stringify(whole, replacer) !== JSON.stringify(split, replacer)) {
    throw new Error(`one push and one byte at a time differ for ${JSON.stringify(latin1(input).slice(0, 80))}:\n${JSON.stringify(whole, replacer)}\n${JSON.stringify(split, replacer)}`);
  }
  return whole;
}

/** JSON replacer that shows Maps, Uint8Arrays and Infinity readably (for messages). */
export function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return { map: [...value.entries()] };
  if (value instanceof Uint8Array) return { bytes: latin1(value) };
  if (value === Infinity) return 'Infinity';
  return value;
}

/** Test input: text is sent as UTF-8 (literal counts are UTF-8 octets); bytes as they are. */
export function input(value: string | Uint8Array): Uint8Array {
  return typeof value === 'string' ? utf8(value) : value;
}

/**
 * Reads one command (CRLF appended) as one push and one byte at a time; returns its single
 * event, continuation requests left out.
 */
export function readOne(value: string | Uint8Array, options: DriveOptions = {}): Seen {
  const events = driveBothWays(concat([input(value), bytes('\r\n')]), options).filter((event) => event.kind !== 'continue');
  if (events.length !== 1 || events[0] === undefined) throw new Error(`expected one event for ${JSON.stringify(latin1(input(value)).slice(0, 80))}, got ${JSON.stringify(events, replacer)}`);
  return events[0];
}
