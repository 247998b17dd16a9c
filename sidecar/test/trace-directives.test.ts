import fc from 'fast-check';
import { captureChunk, createBodyCapture } from '../src/capture/capture-body';
import { decideTraceEarly } from '../src/trace/read-trace-context';

/**
 * The trace id and `no-log` must be known before the response head goes out, without parsing every body:
 * the sidecar searches the captured chunks (and only their seams) for the two markers first. Whatever the
 * prompt text around them and however the body was split into chunks, a body that carries them is honoured.
 */
function capture(body: string, cuts: number[]) {
  const bytes = Buffer.from(body);
  const c = createBodyCapture(1 << 20);
  let from = 0;
  for (const cut of [...new Set(cuts.map((x) => Math.floor(x * bytes.length)))].sort((a, b) => a - b)) {
    captureChunk(c, bytes.subarray(from, cut));
    from = cut;
  }
  captureChunk(c, bytes.subarray(from));
  return c;
}

const prose = fc.string({ unit: fc.constantFrom('t', 'r', 'a', 'c', 'e', '_', 'i', 'd', 'n', 'o', '-', 'l', 'g', ' ', 'x'), maxLength: 200 });
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

describe('trace directives in the request body', () => {
  test('no-log and metadata.trace_id are found in any chunking, among look-alike prompt text', () => {
    fc.assert(
      fc.property(prose, prose, cuts, fc.boolean(), (before, after, splits, useTraceId) => {
        const body = JSON.stringify({
          model: 'demo',
          messages: [{ role: 'user', content: before }],
          ...(useTraceId ? { metadata: { trace_id: 'my-trace' } } : { 'no-log': true }),
          user: after,
        });
        const decision = decideTraceEarly({}, capture(body, splits));
        if (useTraceId) expect(decision.traceId).toMatch(/^[0-9a-f]{32}$/);
        else expect(decision.noLog).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('a body sent one byte per chunk still has its no-log and trace_id found (regression: seams of three chunks)', () => {
    for (const extra of [{ 'no-log': true }, { metadata: { trace_id: 'byte-by-byte' } }]) {
      const body = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], ...extra });
      const oneBytePerChunk = Array.from({ length: Buffer.byteLength(body) }, (_, i) => i / Buffer.byteLength(body));
      const decision = decideTraceEarly({}, capture(body, oneBytePerChunk));
      expect(decision.noLog || decision.traceId !== undefined).toBe(true);
    }
  });

  test('a body without the markers is not parsed before the response (look-alikes only)', () => {
    fc.assert(
      fc.property(prose.filter((text) => !text.includes('trace_id') && !text.includes('no-log')), cuts, (text, splits) => {
        const body = JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: text }] });
        expect(decideTraceEarly({}, capture(body, splits))).toEqual({ traceId: undefined, noLog: false });
      }),
      { numRuns: 300 },
    );
  });
});
