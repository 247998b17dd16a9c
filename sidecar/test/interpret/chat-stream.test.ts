import { dataFrames, endOfEventContaining, interpretSseBody, toSseBody } from './helpers';

const base = { id: 'chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2', object: 'chat.completion.chunk', created: 1738960610, model: 'gpt-4o-mini-2024-07-18', system_fingerprint: 'fp_72ed7ab54c' };

/** One chunk the way LiteLLM writes it: every delta field present, null when unused. */
function chunk(delta: Record<string, unknown>, finishReason: string | null = null, index = 0): Record<string, unknown> {
  return { ...base, choices: [{ index, delta: { content: null, role: null, function_call: null, tool_calls: null, audio: null, ...delta }, finish_reason: finishReason, logprobs: null }] };
}

const usageChunk = {
  ...base,
  choices: [],
  usage: {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    cost: 0.00004635,
  },
};

describe('interpretStream: chat', () => {
  it('concatenates content, takes usage (with cost) from the final chunk, skips [DONE]', () => {
    const body = toSseBody(dataFrames(chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hello' }), chunk({ content: ' there!' }), chunk({}, 'stop'), usageChunk, '[DONE]'));
    expect(interpretSseBody('chat', body)).toEqual({
      output: { role: 'assistant', content: 'Hello there!' },
      model: 'gpt-4o-mini-2024-07-18',
      responseId: 'chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2',
      usage: { input: 93, input_cached_tokens: 1024, output: 46, total: 1163 },
      costUsd: 0.00004635,
      finishReason: 'stop',
      firstContentOffset: endOfEventContaining(body, '"Hello"'),
    });
  });

  it('merges tool calls by index and concatenates their arguments', () => {
    const body = toSseBody(
      dataFrames(
        chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, id: null, type: null, function: { name: null, arguments: '{"' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'location":"' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'Paris, France"}' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: '"CET"}' } }] }),
        chunk({}, 'tool_calls'),
        '[DONE]',
      ),
    );
    const facts = interpretSseBody('chat', body);
    expect(facts.output).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris, France"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"tz":"CET"}' } },
      ],
    });
    expect(facts.finishReason).toBe('tool_calls');
    // The first tool-call chunk names the function: that is generated content.
    expect(facts.firstContentOffset).toBe(endOfEventContaining(body, 'call_DdmO9pD3xa9XTPNJ32zg2hcA'));
    expect(facts.usage).toBeUndefined();
  });

  it('does not duplicate a function name that some providers repeat in every chunk', () => {
    const body = toSseBody(
      dataFrames(
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '"x"}' } }] }),
      ),
    );
    expect(interpretSseBody('chat', body).output).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }],
    });
  });

  it('continues the last tool call when a provider omits the index', () => {
    const body = toSseBody(
      dataFrames(
        chunk({ tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'a', arguments: '{' } }] }),
        chunk({ tool_calls: [{ function: { arguments: '}' } }] }),
        chunk({ tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] }),
      ),
    );
    const output = interpretSseBody('chat', body).output as { tool_calls: Array<{ id: string; function: { arguments: string } }> };
    expect(output.tool_calls.map((c) => [c.id, c.function.arguments])).toEqual([
      ['call_a', '{}'],
      ['call_b', '{}'],
    ]);
  });

  it('keeps whole calls apart when a provider sends each at index 0 with its own id', () => {
    const body = toSseBody(
      dataFrames(
        chunk({ tool_calls: [{ index: 0, id: 'call_x', type: 'function', function: { name: 'x', arguments: '{"a":1}' } }] }),
        chunk({ tool_calls: [{ index: 0, id: 'call_y', type: 'function', function: { name: 'y', arguments: '{"b":2}' } }] }),
      ),
    );
    const output = interpretSseBody('chat', body).output as { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
    expect(output.tool_calls.map((c) => [c.id, c.function.name, c.function.arguments])).toEqual([
      ['call_x', 'x', '{"a":1}'],
      ['call_y', 'y', '{"b":2}'],
    ]);
  });

  it('concatenates a streamed refusal and a legacy function call', () => {
    const refusal = interpretSseBody('chat', toSseBody(dataFrames(chunk({ role: 'assistant', refusal: "I'm sorry" }), chunk({ refusal: ', I cannot.' }), chunk({}, 'stop'))));
    expect(refusal.output).toEqual({ role: 'assistant', content: null, refusal: "I'm sorry, I cannot." });
    const legacy = interpretSseBody('chat', toSseBody(dataFrames(chunk({ function_call: { name: 'f', arguments: '' } }), chunk({ function_call: { arguments: '{}' } }))));
    expect(legacy.output).toEqual({ role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } });
  });

  it("collects LiteLLM's reasoning_content deltas and counts them as first content", () => {
    const body = toSseBody(dataFrames(chunk({ role: 'assistant', reasoning_content: 'Let me think' }), chunk({ reasoning_content: '.' }), chunk({ content: 'Done.' }), chunk({}, 'stop')));
    const facts = interpretSseBody('chat', body);
    expect(facts.output).toEqual({ role: 'assistant', content: 'Done.', reasoning_content: 'Let me think.' });
    expect(facts.firstContentOffset).toBe(endOfEventContaining(body, 'Let me think'));
  });

  it('rebuilds every choice when n > 1', () => {
    const body = toSseBody(dataFrames(chunk({ role: 'assistant', content: 'A' }, null, 1), chunk({ role: 'assistant', content: 'B' }, null, 0), chunk({ content: '!' }, 'stop', 1), chunk({}, 'stop', 0)));
    expect(interpretSseBody('chat', body).output).toEqual([
      { role: 'assistant', content: 'B' },
      { role: 'assistant', content: 'A!' },
    ]);
  });

  it('records an in-stream error (LiteLLM, under HTTP 200) with the content so far', () => {
    const error = { error: { message: 'litellm.APIConnectionError: OpenAIException - Connection error.', type: 'None', param: 'None', code: '500' } };
    const facts = interpretSseBody('chat', toSseBody(dataFrames(chunk({ role: 'assistant', content: 'Partial' }), error)));
    expect(facts.error).toEqual({ message: 'litellm.APIConnectionError: OpenAIException - Connection error.', code: '500' });
    expect(facts.output).toEqual({ role: 'assistant', content: 'Partial' });
  });

  it('an empty stream (role only) is an empty assistant message without first content', () => {
    const facts = interpretSseBody('chat', toSseBody(dataFrames(chunk({ role: 'assistant', content: '' }), chunk({}, 'stop'), '[DONE]')));
    expect(facts.output).toEqual({ role: 'assistant', content: '' });
    expect(facts.firstContentOffset).toBeUndefined();
  });

  it('uses only complete events of a truncated capture and survives garbage events', () => {
    const body = toSseBody(dataFrames(chunk({ content: 'Kept' }), 'not json', '{"choices": "wrong"}', { choices: [null, { delta: 'x' }] }));
    const cut = `${body}data: {"choices":[{"index":0,"delta":{"content":" lost"}}]}`;
    expect(interpretSseBody('chat', cut).output).toEqual({ role: 'assistant', content: 'Kept' });
  });

  it('accepts CRLF framing', () => {
    expect(interpretSseBody('chat', toSseBody(dataFrames(chunk({ content: 'Hi' })), '\r\n')).output).toEqual({ role: 'assistant', content: 'Hi' });
  });

  it('no events give no facts', () => {
    expect(interpretSseBody('chat', '')).toEqual({});
    expect(interpretSseBody('chat', ': keep-alive\n\n')).toEqual({});
  });
});
