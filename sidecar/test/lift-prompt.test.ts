import fc from 'fast-check';
import { captureChunk, createBodyCapture } from '../src/capture/capture-body';
import { scanTopLevelMembers } from '../src/capture/scan-json';
import type { LlmRoute } from '../src/interpret/types';
import type { Exchange } from '../src/trace/exchange';
import { createExchangeRecorder } from '../src/trace/record-exchange';

/**
 * The recorder lifts the prompt out of the request as the bytes the client sent instead of parsing and
 * re-serializing it (lift-prompt.ts). Whatever the body, the span must say the same as when the body is
 * parsed whole: the same input value, and every other attribute identical.
 */
const record = createExchangeRecorder({ redactMessages: false, captureMaxBytes: 1 << 20 });

function exchangeFor(route: LlmRoute, body: Buffer, parsedWhole: boolean): Exchange {
  const request = createBodyCapture(1 << 20);
  captureChunk(request, body);
  const response = createBodyCapture(1 << 20);
  captureChunk(response, Buffer.from(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] })));
  let requestJson: unknown;
  if (parsedWhole) {
    try {
      requestJson = JSON.parse(body.toString('utf8'));
    } catch {
      requestJson = undefined;
    }
  }
  return {
    traceId: 'ab'.repeat(16),
    spanId: 'cd'.repeat(8),
    method: 'POST',
    url: `/v1/${route === 'chat' ? 'chat/completions' : route}`,
    route,
    startMs: 1_764_400_000_000,
    endMs: 1_764_400_000_100,
    requestHeaders: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    request,
    response,
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    clientAborted: false,
    requestJson,
  };
}

/** Attribute values as a reader of the export sees them: Buffers are UTF-8 text, JSON text is compared parsed. */
function readable(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    try {
      out[key] = typeof text === 'string' && /^[[{]/.test(text) ? JSON.parse(text) : text;
    } catch {
      out[key] = text;
    }
  }
  return out;
}

const message = fc.record({ role: fc.constantFrom('system', 'user', 'assistant'), content: fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.jsonValue()) });
const body = fc.record(
  {
    model: fc.string(),
    messages: fc.array(message, { maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    user: fc.string(),
    metadata: fc.dictionary(fc.constantFrom('session_id', 'trace_user_id', 'tags', 'x'), fc.jsonValue()),
    stream: fc.boolean(),
    tools: fc.constant([{ type: 'function', function: { name: 'f' } }]),
    input: fc.array(fc.string(), { maxLength: 3 }),
    prompt: fc.oneof(fc.string(), fc.array(fc.string())),
  },
  { requiredKeys: [] },
);
// Pretty-printed, compact, or with every non-ASCII character escaped as Python's json.dumps writes it.
const layout = fc.constantFrom('compact', 'pretty', 'ascii');
const render = (value: unknown, how: string) =>
  how === 'pretty' ? JSON.stringify(value, null, 2) : how === 'ascii' ? JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : JSON.stringify(value);

describe('prompt lifted as sent', () => {
  test('a span records the same input and attributes as when the body is parsed whole', () => {
    // The lifted input must really be the client's bytes (a Buffer), or this compares the parse path with itself.
    const big = Buffer.from(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(9000) }] }));
    expect(Buffer.isBuffer(record(exchangeFor('chat', big, false)).attributes['langfuse.observation.input'])).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom<LlmRoute>('chat', 'completions', 'embeddings', 'responses', 'messages'), body, layout, (route, value, how) => {
        // Padded past the size from which the recorder lifts (smaller bodies are parsed whole: as fast there).
        const bytes = Buffer.from(render({ ...value, padding: 'p'.repeat(9000) }, how), 'utf8');
        const lifted = record(exchangeFor(route, bytes, false));
        const whole = record(exchangeFor(route, bytes, true));
        expect(readable(lifted.attributes)).toEqual(readable(whole.attributes));
        expect(lifted.name).toBe(whole.name);
      }),
      { numRuns: 400 },
    );
  });

  test('the scan agrees with JSON.parse on which members a body has, and gives up on what is not one object', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), layout, (value, how) => {
        const text = render(value, how);
        const members = scanTopLevelMembers(Buffer.from(text, 'utf8'));
        expect(members).toBeDefined();
        const parsed = JSON.parse(text) as Record<string, unknown>;
        expect([...members!.keys()].sort()).toEqual(Object.keys(parsed).sort());
        for (const [key, range] of members!) expect(JSON.parse(Buffer.from(text, 'utf8').subarray(range.start, range.end).toString('utf8'))).toEqual(parsed[key]);
      }),
      { numRuns: 300 },
    );
    for (const text of ['[1]', '{"a":1', '{"a":[1,2}}', '{"a":1}{', '{"a":1,"a":2}', '"x"', '{"a" 1}', '{"a":"unterminated}']) {
      expect(scanTopLevelMembers(Buffer.from(text))).toBeUndefined();
    }
  });

  test('a prompt with invalid UTF-8 is parsed whole, so the export never carries invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from(`{"model":"m","padding":"${'p'.repeat(9000)}","messages":[{"role":"user","content":"a`), Buffer.from([0xff, 0xfe]), Buffer.from('b"}]}')]);
    const span = record(exchangeFor('chat', bytes, false));
    const input = span.attributes['langfuse.observation.input'];
    expect(typeof input).toBe('string');
    expect(JSON.parse(input as string)).toEqual([{ role: 'user', content: 'a\ufffd\ufffdb' }]);
  });
});
