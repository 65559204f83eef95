// The MIME part indexer: one pass over a message's raw octets gives the tree of parts with byte
// offsets (header start, body start and end), line counts, and the parsed Content-* fields
// (RFC 2045, RFC 2046, RFC 2183, RFC 2231, RFC 3282). CRLF and bare LF line ends are both read.
// Multipart bodies follow RFC 2046 §5.1.1: a boundary line is "--" + boundary at a line start
// (only the boundary's prefix has to match, the longest active boundary wins, so a nested part
// may reuse its parent's boundary prefix), the CRLF before it belongs to the boundary, transport
// padding and anything else after the boundary on its line is skipped, the preamble and epilogue
// belong to the multipart, a missing close-delimiter ends the part at its parent's boundary or
// at the end, and a parent's boundary closes every part nested inside it. message/rfc822 (and
// message/global, RFC 6532 §3.5) bodies are one embedded message part.
//
// Input is untrusted: any octets. Nothing throws; the work is linear in the message and bounded
// by MAX_MIME_DEPTH (iterative, no recursion) and MAX_MIME_PARTS, cut off exactly where Dovecot
// cuts off, so that BODYSTRUCTURE and sections equal Dovecot's for the same octets.

import { CR, LF, binaryBytes, bufferView } from './bytes.ts';
import { boundaryOf, contentTypeKey, parseContentType, parseDisposition, parseEncoding, parseLanguage } from './content-fields.ts';
import { emptyLineAt, fieldValue, readField } from './header-fields.ts';
import { LineIndex } from './line-index.ts';
import { MAX_BOUNDARY_LENGTH, MAX_MIME_DEPTH, MAX_MIME_PARTS } from './limits.ts';
import type { ContentDisposition, ContentType, MimeIndex, MimePart, PartKind } from './types.ts';

interface Building {
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  headerLines: number;
  bodyLines: number;
  kind: PartKind;
  mime: boolean;
  overflow: boolean;
  contentType?: ContentType;
  encoding?: string;
  id?: string;
  description?: string;
  md5?: string;
  disposition?: ContentDisposition;
  language?: readonly string[];
  location?: string;
  children: Building[];
  // Parser state, removed before the index is returned.
  parent: Building | undefined;
  depth: number;
  digest: boolean;
  toEnd: boolean;
  /** The header was ended by a boundary line and gave the line end before it to the parent. */
  gaveNewline: boolean;
}

interface Boundary {
  readonly part: Building;
  readonly octets: Uint8Array;
}

/** The line starting at `at` as a boundary delimiter: which boundary and whether it closes. */
function matchBoundary(raw: Uint8Array, view: Buffer, at: number, boundaries: readonly Boundary[]): { boundary: Boundary; close: boolean } | undefined {
  if (raw[at] !== 0x2d || raw[at + 1] !== 0x2d || boundaries.length === 0) return undefined;
  const start = at + 2;
  const lf = view.indexOf(LF, start);
  let size: number;
  if (lf >= 0) {
    size = lf - start;
    if (size > 0 && raw[start + size - 1] === CR) size--;
    if (size > 2 && raw[start + size - 1] === 0x2d && raw[start + size - 2] === 0x2d) size -= 2;
  } else {
    size = Math.min(raw.length - start, MAX_BOUNDARY_LENGTH + 4);
  }
  // The innermost boundary first; a longer matching boundary wins (RFC 2046 §5.1.2 nesting).
  let best: Boundary | undefined;
  for (let i = boundaries.length - 1; i >= 0; i--) {
    const candidate = boundaries[i] as Boundary;
    const length = candidate.octets.length;
    if (length > size || (best && best.octets.length >= length)) continue;
    let equal = true;
    for (let k = 0; k < length; k++) {
      if (raw[start + k] !== candidate.octets[k]) {
        equal = false;
        break;
      }
    }
    if (!equal) continue;
    best = candidate;
    if (length === size) break;
  }
  if (!best) return undefined;
  const after = start + best.octets.length;
  return { boundary: best, close: raw[after] === 0x2d && raw[after + 1] === 0x2d };
}

class Indexer {
  private readonly raw: Uint8Array;
  private readonly view: Buffer;
  private boundaries: Boundary[] = [];
  private parts = 0;

  constructor(raw: Uint8Array) {
    this.raw = raw;
    this.view = bufferView(raw);
  }

  newPart(start: number, parent: Building | undefined, mime: boolean): Building {
    this.parts++;
    const depth = parent ? parent.depth + 1 : 0;
    const part: Building = {
      headerStart: start, bodyStart: start, bodyEnd: start, headerLines: 0, bodyLines: 0,
      kind: 'text', mime, overflow: false, children: [], parent, depth,
      digest: false, toEnd: false, gaveNewline: false,
    };
    if (this.parts >= MAX_MIME_PARTS) {
      // The part that reaches the bound takes the rest of the message (Dovecot).
      part.overflow = true;
      part.toEnd = true;
    }
    parent?.children.push(part);
    return part;
  }

  /** Reads a part's header; returns true when it ended with an empty line. */
  readHeader(part: Building): boolean {
    const raw = this.raw;
    let pos = part.headerStart;
    let previousNewline = 0;
    let mime = part.mime;
    let typeKey: string | undefined;
    const data: Partial<Building> = {};
    let endedByEmptyLine = false;
    for (;;) {
      if (pos >= raw.length) break;
      if (this.boundaries.length > 0 && matchBoundary(raw, this.view, pos, this.boundaries)) {
        // A boundary inside the header ends it; the line end before it belongs to the boundary.
        pos = this.giveNewline(part, pos, previousNewline);
        break;
      }
      const empty = emptyLineAt(raw, pos);
      if (empty > 0) {
        pos += empty;
        endedByEmptyLine = true;
        // A parent's boundary right after the empty line takes that line as its line end, so the
        // part has an empty body and no empty line (Dovecot); the part's own boundary does not.
        const own = mime && typeKey?.startsWith('multipart/') && data.contentType ? boundaryOf(data.contentType) : undefined;
        const candidates = own === undefined ? this.boundaries : [...this.boundaries, { part, octets: binaryBytes(own.slice(0, MAX_BOUNDARY_LENGTH)) }];
        const match = candidates.length > 0 ? matchBoundary(raw, this.view, pos, candidates) : undefined;
        if (match && match.boundary.part !== part) {
          pos = this.giveNewline(part, pos, empty);
          endedByEmptyLine = false;
        }
        break;
      }
      const field = readField(raw, pos, this.view);
      if (!field) break;
      const name = field.name.toLowerCase();
      if (name === 'mime-version') {
        mime = true;
      } else if (name.startsWith('content-') && field.hasColon) {
        const value = fieldValue(raw, field);
        switch (name) {
          case 'content-type':
            mime = true; // Dovecot accepts Content-Type without MIME-Version.
            if (typeKey === undefined) {
              typeKey = contentTypeKey(value);
              data.contentType = parseContentType(value);
            }
            break;
          case 'content-transfer-encoding':
            if (data.encoding === undefined) {
              const encoding = parseEncoding(value);
              if (encoding !== undefined) data.encoding = encoding;
            }
            break;
          case 'content-id':
            data.id ??= value;
            break;
          case 'content-description':
            data.description ??= value;
            break;
          case 'content-md5':
            data.md5 ??= value;
            break;
          case 'content-location':
            data.location ??= value;
            break;
          case 'content-language':
            if (data.language === undefined) {
              const language = parseLanguage(value);
              if (language) data.language = language;
            }
            break;
          case 'content-disposition':
            // Dovecot replaces a first disposition that had no parameters.
            if (data.disposition === undefined || data.disposition.params.length === 0) {
              const disposition = parseDisposition(value);
              if (disposition) data.disposition = disposition;
            }
            break;
        }
      }
      previousNewline = field.noNewline ? 0 : raw[field.end - 2] === CR ? 2 : 1;
      pos = field.end;
    }
    part.bodyStart = pos;
    part.mime = mime;
    if (mime) Object.assign(part, data); // Content-* fields only count in a MIME part.
    let kind: PartKind;
    if (!mime || typeKey === undefined) {
      // RFC 2046 §5.1.5: in multipart/digest the default is message/rfc822; else text/plain.
      kind = part.parent?.digest ? 'message' : 'text';
    } else if (typeKey === 'message/rfc822' || typeKey === 'message/global') {
      kind = 'message';
    } else if (typeKey === 'text' || typeKey.startsWith('text/')) {
      kind = 'text';
    } else if (typeKey.startsWith('multipart/')) {
      kind = 'multipart';
      part.digest = typeKey === 'multipart/digest';
    } else {
      kind = 'basic';
    }
    if ((kind === 'multipart' || kind === 'message') && (part.depth + 1 >= MAX_MIME_DEPTH || part.toEnd)) {
      kind = 'basic';
      part.overflow = true;
      part.digest = false;
    }
    part.kind = kind;
    return endedByEmptyLine;
  }

  /** Ends a header at a boundary line: the line end before it goes to the parent part's body. */
  giveNewline(part: Building, pos: number, newline: number): number {
    if (newline > 0) part.gaveNewline = true;
    return pos - newline;
  }

  /** Finds the next boundary line from `pos` (a line start): its offset and where the body before it ends. */
  findBoundary(pos: number): { at: number; bodyEnd: number; boundary: Boundary; close: boolean } | undefined {
    const raw = this.raw;
    let match = matchBoundary(raw, this.view, pos, this.boundaries);
    if (match) return { at: pos, bodyEnd: pos, ...match };
    let i = pos;
    for (;;) {
      const lf = this.view.indexOf(LF, i);
      if (lf < 0) return undefined;
      i = lf + 1;
      if (raw[i] !== 0x2d) continue;
      match = matchBoundary(raw, this.view, i, this.boundaries);
      if (match) return { at: i, bodyEnd: lf > pos && raw[lf - 1] === CR ? lf - 1 : lf, ...match };
    }
  }

  run(): Building {
    const raw = this.raw;
    const root = this.newPart(0, undefined, false);
    let current = root;
    let pos = 0;
    let inHeader = true;
    for (;;) {
      if (inHeader) {
        const emptyLine = this.readHeader(current);
        pos = current.bodyStart;
        inHeader = false;
        if (current.toEnd) break;
        if (current.kind === 'multipart' && emptyLine && current.contentType) {
          const boundary = boundaryOf(current.contentType);
          if (boundary !== undefined) this.boundaries.push({ part: current, octets: binaryBytes(boundary.slice(0, MAX_BOUNDARY_LENGTH)) });
        } else if (current.kind === 'message') {
          const parent = current;
          current = this.newPart(pos, parent, false);
          if (!parent.gaveNewline) {
            inHeader = true;
            continue;
          }
          // The message's header ended at a boundary: its embedded message is empty (Dovecot).
          current.kind = parent.digest ? 'message' : 'text';
          if (current.toEnd) break;
        }
      }
      if (this.boundaries.length === 0) break; // The rest is body up to the end.
      const found = this.findBoundary(pos);
      if (!found) break;
      // Close every part nested in the boundary's multipart. A part whose header gave its last
      // line end to its parent leaves that line end in the parents' bodies.
      let end = found.bodyEnd;
      while (current !== found.boundary.part && current.parent) {
        current.bodyEnd = end;
        if (current.gaveNewline) end = found.at;
        current = current.parent;
      }
      const index = this.boundaries.indexOf(found.boundary);
      this.boundaries.length = found.close ? index : index + 1;
      const lineEnd = this.view.indexOf(LF, found.at);
      pos = lineEnd < 0 ? raw.length : lineEnd + 1;
      const top = this.boundaries[this.boundaries.length - 1];
      if (top && top.part === current) {
        // RFC 2046 §5.1.1: the next body part starts after the delimiter line.
        current = this.newPart(pos, current, true);
        inHeader = true;
      }
      // Otherwise: epilogue of `current`, up to an enclosing boundary or the end.
    }
    for (let part: Building | undefined = current; part; part = part.parent) part.bodyEnd = raw.length;
    return root;
  }
}

const OPTIONAL_FIELDS = ['contentType', 'encoding', 'id', 'description', 'md5', 'disposition', 'language', 'location'] as const;

function finish(part: Building, lines: LineIndex): MimePart {
  const out: Record<string, unknown> = {
    headerStart: part.headerStart,
    bodyStart: part.bodyStart,
    bodyEnd: part.bodyEnd,
    headerLines: lines.lines(part.headerStart, part.bodyStart),
    bodyLines: lines.lines(part.bodyStart, part.bodyEnd),
    kind: part.kind,
    mime: part.mime,
    overflow: part.overflow,
  };
  for (const key of OPTIONAL_FIELDS) if (part[key] !== undefined) out[key] = part[key];
  out.children = part.children.map((child) => finish(child, lines));
  return out as unknown as MimePart;
}

/** Indexes a message (RFC 5322 with MIME, RFC 2045-2049). Never throws on content. */
export function indexMessage(raw: Uint8Array): MimeIndex {
  const root = new Indexer(raw).run();
  return { size: raw.length, root: finish(root, new LineIndex(raw)) };
}
