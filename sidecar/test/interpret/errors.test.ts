import fc from 'fast-check';
import { interpretResponse, interpretStream, readUpstreamError } from '../../src/interpret';
import type { LlmRoute } from '../../src/interpret';

describe('readUpstreamError', () => {
  it('OpenAI error body', () => {
    expect(readUpstreamError({ error: { message: 'Incorrect API key provided: sk-abc***.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })).toEqual({
      message: 'Incorrect API key provided: sk-abc***.',
      type: 'invalid_request_error',
      code: 'invalid_api_key',
    });
  });

  it('LiteLLM ProxyException body: "None" placeholders are dropped, numeric-looking codes kept as text', () => {
    expect(readUpstreamError({ error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: 'None', code: '401' } })).toEqual({
      message: 'Authentication Error, No api key passed in.',
      type: 'auth_error',
      code: '401',
    });
    expect(readUpstreamError({ error: { message: 'litellm.RateLimitError: limit', type: 'None', param: 'None', code: 429 } })).toEqual({ message: 'litellm.RateLimitError: limit', code: '429' });
  });

  it('keeps the param when the upstream names one', () => {
    expect(readUpstreamError({ error: { message: 'Invalid value', type: 'invalid_request_error', param: 'messages[0].role', code: null } })).toEqual({
      message: 'Invalid value',
      type: 'invalid_request_error',
      param: 'messages[0].role',
    });
  });

  it('Anthropic error body and Responses API error event', () => {
    expect(readUpstreamError({ type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' } })).toEqual({
      message: 'Number of request tokens has exceeded your per-minute rate limit',
      type: 'rate_limit_error',
    });
    expect(readUpstreamError({ type: 'error', code: 'ERR_SOMETHING', message: 'Something happened', param: null, sequence_number: 1 })).toEqual({ message: 'Something happened', code: 'ERR_SOMETHING' });
  });

  it('string errors and FastAPI detail bodies', () => {
    expect(readUpstreamError({ error: 'Invalid model name passed in model=gpt-5' })).toEqual({ message: 'Invalid model name passed in model=gpt-5' });
    expect(readUpstreamError({ detail: 'Not Found' })).toEqual({ message: 'Not Found' });
    expect(readUpstreamError({ detail: { error: 'completion: Invalid model name passed in model=x' } })).toEqual({ message: 'completion: Invalid model name passed in model=x' });
    expect(readUpstreamError({ detail: { error: { message: 'nested', type: 't' } } })).toEqual({ message: 'nested', type: 't' });
    expect(readUpstreamError({ detail: { message: 'with message' } })).toEqual({ message: 'with message' });
  });

  it('a non-string message becomes JSON text; a missing one falls back to type or code', () => {
    expect(readUpstreamError({ error: { message: { reason: 'x' } } })).toEqual({ message: '{"reason":"x"}' });
    expect(readUpstreamError({ error: { type: 'server_error' } })).toEqual({ message: 'server_error', type: 'server_error' });
    expect(readUpstreamError({ error: {} })).toEqual({ message: 'error' });
  });

  it('no error in ordinary bodies', () => {
    expect(readUpstreamError({ id: 'resp_1', object: 'response', error: null, status: 'completed' })).toBeUndefined();
    expect(readUpstreamError({ choices: [] })).toBeUndefined();
    expect(readUpstreamError({ error: '' })).toBeUndefined();
    expect(readUpstreamError(null)).toBeUndefined();
    expect(readUpstreamError('Internal Server Error')).toBeUndefined();
  });
});

describe('errors through interpretResponse', () => {
  it.each<LlmRoute>(['chat', 'completions', 'embeddings', 'responses', 'messages'])('%s: an OpenAI-style error body is the error', (route) => {
    expect(interpretResponse(route, { error: { message: 'Service Unavailable', type: 'None', param: 'None', code: '503' } }).error).toEqual({ message: 'Service Unavailable', code: '503' });
  });
});

describe('never throws', () => {
  const routes: LlmRoute[] = ['chat', 'completions', 'embeddings', 'responses', 'messages'];

  it('interpretResponse on any JSON value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...routes), fc.jsonValue(), (route, body) => {
        interpretResponse(route, body);
      }),
      { numRuns: 400 },
    );
  });

  it('interpretStream on events with any JSON or text payload', () => {
    const payload = fc.oneof(fc.string(), fc.jsonValue().map((value) => JSON.stringify(value)));
    const events = fc.array(fc.record({ data: payload, endOffset: fc.nat() }), { maxLength: 12 });
    fc.assert(
      fc.property(fc.constantFrom(...routes), events, (route, list) => {
        interpretStream(route, list);
      }),
      { numRuns: 400 },
    );
  });

  it('interpretStream on stream-shaped objects with wrong field types', () => {
    const junk = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }));
    const chunk = fc.record({
      type: fc.constantFrom('message_start', 'content_block_start', 'content_block_delta', 'message_delta', 'response.output_text.delta', 'response.output_item.added', 'response.completed', 'error'),
      index: junk,
      output_index: junk,
      content_index: junk,
      delta: fc.oneof(junk, fc.record({ type: fc.constantFrom('text_delta', 'input_json_delta', 'thinking_delta'), text: junk, partial_json: junk })),
      choices: fc.oneof(junk, fc.array(fc.record({ index: junk, delta: fc.oneof(junk, fc.record({ content: junk, tool_calls: junk, role: junk })) }), { maxLength: 2 })),
      message: junk,
      content_block: junk,
      item: junk,
      response: junk,
      usage: junk,
      error: junk,
    });
    fc.assert(
      fc.property(fc.constantFrom(...routes), fc.array(chunk, { maxLength: 8 }), (route, chunks) => {
        interpretStream(route, chunks.map((c, i) => ({ data: JSON.stringify(c), endOffset: i })));
      }),
      { numRuns: 400 },
    );
  });

  it('interpretStream on a non-array', () => {
    expect(interpretStream('chat', undefined as unknown as [])).toEqual({});
  });
});
