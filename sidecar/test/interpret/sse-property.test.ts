import fc from 'fast-check';
import { parseSseEvents } from '../../src/interpret';

/**
 * A literal transcription of the WHATWG "event stream interpretation" steps, on strings, used as
 * the oracle: split into lines at CRLF / LF / CR, drop the unterminated tail, dispatch on blank
 * lines. Offsets are computed as the UTF-8 length of everything up to the dispatching line end.
 */
function referenceParse(text: string): Array<{ event?: string; data: string; endOffset: number }> {
  const events: Array<{ event?: string; data: string; endOffset: number }> = [];
  let rest = text.startsWith('\ufeff') ? text.slice(1) : text;
  let consumed = text.length - rest.length;
  let data = '';
  let eventType = '';
  for (;;) {
    const match = /\r\n|\r|\n/.exec(rest);
    if (match === null) break;
    const line = rest.slice(0, match.index);
    consumed += match.index + match[0].length;
    rest = rest.slice(match.index + match[0].length);
    if (line === '') {
      if (data !== '') {
        const event = { data: data.endsWith('\n') ? data.slice(0, -1) : data, endOffset: Buffer.byteLength(text.slice(0, consumed), 'utf8') };
        events.push(eventType === '' ? event : { event: eventType, ...event });
      }
      data = '';
      eventType = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data += `${value}\n`;
    else if (field === 'event') eventType = value;
  }
  return events;
}

/** Text built from the pieces that matter to an SSE parser, so the interesting cases come up often. */
const sseText = fc
  .array(
    fc.oneof(
      fc.constantFrom('data:', 'data: ', 'event:', 'event: ', 'id: 1', 'retry: 5', ':', ' ', '\n', '\r', '\r\n', '\n\n', 'x', 'é', '👋', '[DONE]', '{"a":1}', '\ufeff'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

describe('parseSseEvents properties', () => {
  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (array) => {
        parseSseEvents(Buffer.from(array));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary strings, including lone surrogates', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 256 }), (text) => {
        parseSseEvents(text);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with a literal reading of the spec', () => {
    fc.assert(
      fc.property(sseText, (text) => {
        expect(parseSseEvents(text)).toEqual(referenceParse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('offsets increase, stay inside the body and end on a line terminator', () => {
    fc.assert(
      fc.property(sseText, (text) => {
        const body = Buffer.from(text, 'utf8');
        let previous = 0;
        for (const event of parseSseEvents(body)) {
          expect(event.endOffset).toBeGreaterThan(previous);
          expect(event.endOffset).toBeLessThanOrEqual(body.length);
          expect([0x0a, 0x0d]).toContain(body[event.endOffset - 1]);
          previous = event.endOffset;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a truncated capture yields a prefix of the full events (complete events only)', () => {
    fc.assert(
      fc.property(sseText, fc.nat(), (text, cutSeed) => {
        const body = Buffer.from(text, 'utf8');
        const cut = body.length === 0 ? 0 : cutSeed % (body.length + 1);
        const full = parseSseEvents(body);
        const partial = parseSseEvents(body.subarray(0, cut));
        expect(partial.length).toBeLessThanOrEqual(full.length);
        partial.forEach((event, i) => {
          expect(event.data).toBe(full[i]?.data);
          expect(event.event).toBe(full[i]?.event);
          expect(event.endOffset).toBeLessThanOrEqual(cut);
          // A cut between the CR and LF of a CRLF ends the line one byte earlier.
          expect((full[i]?.endOffset ?? 0) - event.endOffset).toBeLessThanOrEqual(1);
        });
      }),
      { numRuns: 500 },
    );
  });
});
