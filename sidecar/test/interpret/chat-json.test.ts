import { interpretResponse } from '../../src/interpret';

/** A chat completion as OpenAI documents it, with the usage details gpt-4o/o-series report. */
const chatCompletion = {
  id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
  object: 'chat.completion',
  created: 1741569952,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello! How can I assist you today?', refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 19,
    completion_tokens: 10,
    total_tokens: 29,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_fc9f1d7035',
};

describe('interpretResponse: chat JSON', () => {
  it('records the assistant message, model, usage, finish reason and id', () => {
    expect(interpretResponse('chat', chatCompletion)).toEqual({
      output: { role: 'assistant', content: 'Hello! How can I assist you today?' },
      model: 'gpt-4o-2024-08-06',
      usage: { input: 19, output: 10, total: 29 },
      finishReason: 'stop',
      responseId: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    });
  });

  it('records tool calls with null content', () => {
    const toolCall = { id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } };
    const facts = interpretResponse('chat', {
      ...chatCompletion,
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [toolCall] }, logprobs: null, finish_reason: 'tool_calls' }],
    });
    expect(facts.output).toEqual({ role: 'assistant', content: null, tool_calls: [toolCall] });
    expect(facts.finishReason).toBe('tool_calls');
  });

  it('records a refusal and a legacy function call', () => {
    const refusal = interpretResponse('chat', {
      ...chatCompletion,
      choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I'm sorry, I cannot help with that." }, finish_reason: 'stop' }],
    });
    expect(refusal.output).toEqual({ role: 'assistant', content: null, refusal: "I'm sorry, I cannot help with that." });
    const legacy = interpretResponse('chat', {
      ...chatCompletion,
      choices: [{ index: 0, message: { role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } }, finish_reason: 'function_call' }],
    });
    expect(legacy.output).toEqual({ role: 'assistant', content: null, function_call: { name: 'f', arguments: '{}' } });
  });

  it("keeps LiteLLM's reasoning_content and drops thinking blocks and provider fields", () => {
    const facts = interpretResponse('chat', {
      id: 'chatcmpl-9f2c',
      object: 'chat.completion',
      model: 'claude-sonnet-4-5-20250929',
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: {
            role: 'assistant',
            content: 'The answer is 42.',
            tool_calls: null,
            function_call: null,
            reasoning_content: 'The user wants the answer...',
            thinking_blocks: [{ type: 'thinking', thinking: 'The user wants the answer...', signature: 'EqoBCkgIARAB' }],
            provider_specific_fields: { citations: null },
          },
        },
      ],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
    });
    expect(facts.output).toEqual({ role: 'assistant', content: 'The answer is 42.', reasoning_content: 'The user wants the answer...' });
  });

  it('keeps the audio transcript, never the audio data', () => {
    const facts = interpretResponse('chat', {
      ...chatCompletion,
      choices: [{ index: 0, message: { role: 'assistant', content: null, audio: { id: 'audio_1', data: 'UklGRi...', expires_at: 1, transcript: 'Hi there' } }, finish_reason: 'stop' }],
    });
    expect(facts.output).toEqual({ role: 'assistant', content: null, audio: { id: 'audio_1', transcript: 'Hi there' } });
  });

  it('records every choice when n > 1, finish reason from the first', () => {
    const facts = interpretResponse('chat', {
      ...chatCompletion,
      choices: [
        { index: 0, message: { role: 'assistant', content: 'One' }, finish_reason: 'length' },
        { index: 1, message: { role: 'assistant', content: 'Two' }, finish_reason: 'stop' },
      ],
    });
    expect(facts.output).toEqual([
      { role: 'assistant', content: 'One' },
      { role: 'assistant', content: 'Two' },
    ]);
    expect(facts.finishReason).toBe('length');
  });

  it('reads usage.cost when the upstream reports it', () => {
    const facts = interpretResponse('chat', { ...chatCompletion, usage: { ...chatCompletion.usage, cost: 0.0001425 } });
    expect(facts.costUsd).toBe(0.0001425);
  });

  it('a body without choices still gives model and usage', () => {
    expect(interpretResponse('chat', { model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 }, choices: [] })).toEqual({
      model: 'gpt-4o',
      usage: { input: 1, output: 0, total: 1 },
    });
  });

  it.each([null, undefined, 'text', 3, [], [chatCompletion]])('non-object body %p gives no facts', (body) => {
    expect(interpretResponse('chat', body)).toEqual({});
  });

  it('wrong types inside are ignored', () => {
    expect(interpretResponse('chat', { model: 3, id: {}, choices: [null, 'x'], usage: 'lots' })).toEqual({ output: [null, null] });
    expect(interpretResponse('chat', { choices: [{ message: 'plain' }] })).toEqual({ output: 'plain' });
  });
});
