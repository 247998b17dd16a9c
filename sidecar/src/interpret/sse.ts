import type { SseEvent } from './types';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

/** View any byte input as a Buffer without copying; strings are encoded once. */
function viewAsBuffer(body: unknown): Buffer | undefined {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return undefined;
}

/** True when bytes [start, end) spell the ASCII field name. */
function isField(buf: Buffer, start: number, end: number, name: string): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses a captured `text/event-stream` body into its dispatched events, following the WHATWG
 * HTML "event stream interpretation" rules: lines end in CRLF, LF or CR; a leading BOM is skipped;
 * `:` lines are comments; `field: value` loses one leading space; `data` lines join with LF;
 * a blank line dispatches, but only when some `data` field was seen; `id` and `retry` are ignored
 * (nothing downstream needs them); at end of input, a pending event is discarded, as the spec
 * says, which is also what a truncated capture needs: only complete events come back.
 *
 * `endOffset` is the byte offset just past the blank line that dispatched the event. The body is
 * scanned as bytes with `indexOf`, and only field values are decoded, so the cost is one pass.
 * Never throws: input of any other type gives an empty list.
 */
export function parseSseEvents(body: Buffer | string): SseEvent[] {
  const events: SseEvent[] = [];
  const buf = viewAsBuffer(body);
  if (buf === undefined) return events;
  const len = buf.length;
  let pos = len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let nextCr = -1;
  let data = '';
  let hasData = false;
  let eventType = '';

  while (pos < len) {
    // Track the next CR lazily, so a body without any CR is searched for one only once.
    if (nextCr < pos) {
      nextCr = buf.indexOf(CR, pos);
      if (nextCr === -1) nextCr = len;
    }
    let lf = buf.indexOf(LF, pos);
    if (lf === -1) lf = len;
    let lineEnd: number;
    let next: number;
    if (nextCr < lf) {
      lineEnd = nextCr;
      next = nextCr + 1 < len && buf[nextCr + 1] === LF ? nextCr + 2 : nextCr + 1;
    } else if (lf < len) {
      lineEnd = lf;
      next = lf + 1;
    } else {
      break; // the last line has no terminator: the capture ended mid-line
    }

    if (lineEnd === pos) {
      if (hasData) events.push(eventType === '' ? { data, endOffset: next } : { event: eventType, data, endOffset: next });
      data = '';
      hasData = false;
      eventType = '';
    } else if (buf[pos] !== COLON) {
      let colon = pos;
      while (colon < lineEnd && buf[colon] !== COLON) colon++;
      let valueStart = colon < lineEnd ? colon + 1 : lineEnd;
      if (valueStart < lineEnd && buf[valueStart] === SPACE) valueStart++;
      if (isField(buf, pos, colon, 'data')) {
        const value = buf.toString('utf8', valueStart, lineEnd);
        data = hasData ? `${data}\n${value}` : value;
        hasData = true;
      } else if (isField(buf, pos, colon, 'event')) {
        eventType = buf.toString('utf8', valueStart, lineEnd);
      }
    }
    pos = next;
  }
  return events;
}
