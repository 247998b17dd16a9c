import { interpretResponse } from '../../src/interpret';
import { endOfEventContaining, interpretSseBody, toSseBody, typedFrames } from './helpers';

/** An Anthropic Messages reply as Anthropic documents it. */
const reply = {
  id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5-20250929',
  content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: {
    input_tokens: 2095,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1800,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: 503,
    service_tier: 'standard',
  },
};

describe('Anthropic Messages JSON', () => {
  it('a single text block is recorded as the message text', () => {
    expect(interpretResponse('messages', reply)).toEqual({
      output: { role: 'assistant', content: 'Hi! My name is Claude.' },
      model: 'claude-sonnet-4-5-20250929',
      responseId: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      usage: { input: 2095, input_cached_tokens: 1800, output: 503, total: 4398 },
      finishReason: 'end_turn',
    });
  });

  it('tool use and thinking blocks are kept as blocks, thinking without its signature', () => {
    const toolUse = { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'San Francisco, CA' } };
    const facts = interpretResponse('messages', {
      ...reply,
      content: [
        { type: 'thinking', thinking: 'The user wants the weather.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pk' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' },
        { type: 'text', text: 'Let me check.' },
        toolUse,
      ],
      stop_reason: 'tool_use',
    });
    expect(facts.output).toEqual({
      role: 'assistant',
      content: [{ type: 'thinking', thinking: 'The user wants the weather.' }, { type: 'redacted_thinking' }, { type: 'text', text: 'Let me check.' }, toolUse],
    });
    expect(facts.finishReason).toBe('tool_use');
  });

  it('an Anthropic error body is the error', () => {
    expect(interpretResponse('messages', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' })).toEqual({
      error: { message: 'Overloaded', type: 'overloaded_error' },
    });
  });
});

const messageStart = {
  type: 'message_start',
  message: { id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', type: 'message', role: 'assistant', content: [], model: 'claude-opus-4-1-20250805', stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } },
};
const textDelta = (index: number, text: string) => ({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });

describe('Anthropic Messages stream', () => {
  it('rebuilds text, takes final usage from message_delta', () => {
    const body = toSseBody(
      typedFrames(
        messageStart,
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'ping' },
        textDelta(0, 'Hello'),
        textDelta(0, '!'),
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 15 } },
        { type: 'message_stop' },
      ),
    );
    expect(interpretSseBody('messages', body)).toEqual({
      output: { role: 'assistant', content: 'Hello!' },
      model: 'claude-opus-4-1-20250805',
      responseId: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
      usage: { input: 25, output: 15, total: 40 },
      finishReason: 'end_turn',
      firstContentOffset: endOfEventContaining(body, '"Hello"'),
    });
  });

  it('rebuilds thinking and tool input JSON; first content is the first thinking delta', () => {
    const body = toSseBody(
      typedFrames(
        messageStart,
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'I need to find the GCD' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"location": "San Fra' } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: 'ncisco, CA", "unit": "fahrenheit"}' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 89 } },
      ),
    );
    const facts = interpretSseBody('messages', body);
    expect(facts.output).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'I need to find the GCD' },
        { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { location: 'San Francisco, CA', unit: 'fahrenheit' } },
      ],
    });
    expect(facts.finishReason).toBe('tool_use');
    expect(facts.firstContentOffset).toBe(endOfEventContaining(body, 'I need to find the GCD'));
  });

  it('keeps unfinished tool input JSON as text, and a tool call without deltas keeps its input', () => {
    const body = toSseBody(
      typedFrames(
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'noop', input: {} } },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'search', input: {} } },
        { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"q": "cut' } },
      ),
    );
    const facts = interpretSseBody('messages', body);
    expect(facts.output).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'toolu_1', name: 'noop', input: {} },
        { type: 'tool_use', id: 'toolu_2', name: 'search', input: '{"q": "cut' },
      ],
    });
    expect(facts.firstContentOffset).toBe(endOfEventContaining(body, 'toolu_1'));
  });

  it("LiteLLM's stream: no event lines, cache counters and usage.cost in message_delta", () => {
    const body = toSseBody([
      { data: { ...messageStart, message: { ...messageStart.message, usage: { input_tokens: 10, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 } } } },
      { data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { data: textDelta(0, 'Hi') },
      {
        data: {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { input_tokens: 10, output_tokens: 2, cache_creation_input_tokens: 2048, cache_read_input_tokens: 4096, cache_creation: { ephemeral_5m_input_tokens: 48, ephemeral_1h_input_tokens: 2000 }, cost: 0.0123 },
        },
      },
    ]);
    expect(interpretSseBody('messages', body)).toMatchObject({
      output: { role: 'assistant', content: 'Hi' },
      usage: { input: 10, input_cached_tokens: 4096, input_cache_creation_5m: 48, input_cache_creation_1h: 2000, output: 2, total: 6156 },
      costUsd: 0.0123,
    });
  });

  it('an error event is the error; the text so far is kept', () => {
    const body = toSseBody(
      typedFrames(messageStart, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, textDelta(0, 'Par'), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    );
    const facts = interpretSseBody('messages', body);
    expect(facts.error).toEqual({ message: 'Overloaded', type: 'overloaded_error' });
    expect(facts.output).toEqual({ role: 'assistant', content: 'Par' });
    const litellm = toSseBody([{ data: { error: { message: 'litellm.InternalServerError: AnthropicException', type: 'None', param: 'None', code: '500' } } }]);
    expect(interpretSseBody('messages', litellm)).toEqual({ error: { message: 'litellm.InternalServerError: AnthropicException', code: '500' } });
  });

  it('deltas without a start event still build their blocks', () => {
    expect(interpretSseBody('messages', toSseBody(typedFrames(textDelta(0, 'a'), textDelta(0, 'b')))).output).toEqual({ role: 'assistant', content: 'ab' });
  });
});
