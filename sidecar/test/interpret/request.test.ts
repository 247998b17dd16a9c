import fc from 'fast-check';
import { interpretRequest } from '../../src/interpret';
import type { LlmRoute } from '../../src/interpret';

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?' }] },
];

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

describe('interpretRequest: chat', () => {
  it('records the messages alone when no tools are offered', () => {
    const facts = interpretRequest('chat', { model: 'gpt-4o', messages, temperature: 0.2, max_tokens: 256, stream: false });
    expect(facts).toEqual({
      input: messages,
      model: 'gpt-4o',
      modelParameters: { temperature: 0.2, max_tokens: 256, stream: false },
      stream: false,
    });
    expect(facts.input).toBe(messages); // no copy
  });

  it('records {messages, tools} when tools are offered, tool_choice as a parameter', () => {
    const facts = interpretRequest('chat', { model: 'gpt-4o', messages, tools: [weatherTool], tool_choice: 'auto', parallel_tool_calls: false });
    expect(facts.input).toEqual({ messages, tools: [weatherTool] });
    expect(facts.modelParameters).toEqual({ tool_choice: 'auto', parallel_tool_calls: false });
  });

  it('keeps legacy functions and function_call with the messages', () => {
    const functions = [weatherTool.function];
    const facts = interpretRequest('chat', { model: 'gpt-3.5-turbo', messages, functions, function_call: { name: 'get_weather' } });
    expect(facts.input).toEqual({ messages, functions, function_call: { name: 'get_weather' } });
  });

  it('turns arrays and objects into JSON text, keeps scalars, drops null', () => {
    const responseFormat = { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } };
    const facts = interpretRequest('chat', {
      model: 'o3-mini',
      messages,
      stop: ['\n\n', 'END'],
      seed: 42,
      n: 2,
      top_p: 0.9,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      max_completion_tokens: 1000,
      reasoning_effort: 'low',
      response_format: responseFormat,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      logit_bias: { '50256': -100 },
      user: 'user-123',
      metadata: { session_id: 's1' },
      temperature: null,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(facts.stream).toBe(true);
    expect(facts.modelParameters).toEqual({
      stop: '["\\n\\n","END"]',
      seed: 42,
      n: 2,
      top_p: 0.9,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      max_completion_tokens: 1000,
      reasoning_effort: 'low',
      response_format: JSON.stringify(responseFormat),
      tool_choice: '{"type":"function","function":{"name":"get_weather"}}',
      logit_bias: '{"50256":-100}',
      stream: true,
    });
  });

  it("reads Cursor's Responses-style input on the chat route", () => {
    const input = [{ role: 'user', content: 'Hello' }];
    expect(interpretRequest('chat', { model: 'gpt-4o', input }).input).toBe(input);
  });
});

describe('interpretRequest: other routes', () => {
  it('completions: the prompt', () => {
    const facts = interpretRequest('completions', { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time', max_tokens: 50, temperature: 0.7, best_of: 2, logprobs: 3 });
    expect(facts).toEqual({
      input: 'Once upon a time',
      model: 'gpt-3.5-turbo-instruct',
      modelParameters: { max_tokens: 50, temperature: 0.7, best_of: 2, logprobs: 3 },
      stream: false,
    });
  });

  it('embeddings: the input, dimensions and encoding format', () => {
    const facts = interpretRequest('embeddings', { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 256, encoding_format: 'base64' });
    expect(facts).toEqual({
      input: ['a', 'b'],
      model: 'text-embedding-3-small',
      modelParameters: { dimensions: 256, encoding_format: 'base64' },
      stream: false,
    });
  });

  it('responses: input alone; instructions and tools as metadata, as Langfuse records them', () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} } }];
    const facts = interpretRequest('responses', {
      model: 'gpt-4.1',
      instructions: 'You are a coding assistant that talks like a pirate.',
      input: 'Are semicolons optional in JavaScript?',
      tools,
      previous_response_id: 'resp_abc',
      max_output_tokens: 500,
      reasoning: { effort: 'medium', summary: 'auto' },
      text: { format: { type: 'text' }, verbosity: 'low' },
      truncation: 'auto',
      store: false,
      stream: true,
    });
    expect(facts.input).toBe('Are semicolons optional in JavaScript?');
    expect(facts.metadata).toEqual({ instructions: 'You are a coding assistant that talks like a pirate.', tools, previous_response_id: 'resp_abc' });
    expect(facts.modelParameters).toEqual({
      max_output_tokens: 500,
      reasoning: '{"effort":"medium","summary":"auto"}',
      text: '{"format":{"type":"text"},"verbosity":"low"}',
      truncation: 'auto',
      store: false,
      stream: true,
    });
    expect(facts.stream).toBe(true);
  });

  it('responses without instructions or tools has no metadata', () => {
    expect(interpretRequest('responses', { model: 'gpt-4.1', input: 'hi' }).metadata).toBeUndefined();
  });

  it('messages: system becomes a leading system message, tools join the messages', () => {
    const anthropicMessages = [{ role: 'user', content: 'Hello, Claude' }];
    const tools = [{ name: 'get_weather', description: 'Get the weather', input_schema: { type: 'object', properties: {} } }];
    const facts = interpretRequest('messages', {
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      messages: anthropicMessages,
      tools,
      top_k: 40,
      stop_sequences: ['###'],
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tool_choice: { type: 'auto' },
    });
    expect(facts.input).toEqual({
      messages: [{ role: 'system', content: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }] }, ...anthropicMessages],
      tools,
    });
    expect(facts.modelParameters).toEqual({
      max_tokens: 1024,
      top_k: 40,
      stop_sequences: '["###"]',
      thinking: '{"type":"enabled","budget_tokens":2048}',
      tool_choice: '{"type":"auto"}',
    });
  });

  it('messages without system or tools: the messages as sent', () => {
    const anthropicMessages = [{ role: 'user', content: 'Hi' }];
    expect(interpretRequest('messages', { model: 'claude-haiku-4-5', system: 'Be brief.', messages: anthropicMessages }).input).toEqual([
      { role: 'system', content: 'Be brief.' },
      ...anthropicMessages,
    ]);
    expect(interpretRequest('messages', { model: 'claude-haiku-4-5', messages: anthropicMessages }).input).toBe(anthropicMessages);
  });
});

describe('interpretRequest: odd bodies', () => {
  const routes: LlmRoute[] = ['chat', 'completions', 'embeddings', 'responses', 'messages'];

  it.each([null, undefined, 42, 'text', [], [{ model: 'x' }], true])('body %p gives empty facts', (body) => {
    for (const route of routes) expect(interpretRequest(route, body)).toEqual({ modelParameters: {}, stream: false });
  });

  it('wrong types are skipped, not thrown', () => {
    const facts = interpretRequest('chat', { model: 7, messages: 'not a list', stream: 'yes', temperature: 'hot', seed: {}, n: [1] });
    expect(facts).toEqual({ input: 'not a list', modelParameters: { temperature: 'hot', seed: '{}', n: '[1]', stream: 'yes' }, stream: false });
  });

  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...routes), fc.jsonValue(), (route, body) => {
        interpretRequest(route, body);
      }),
      { numRuns: 300 },
    );
  });
});
