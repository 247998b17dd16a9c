import { interpretResponse } from '../../src/interpret';
import { endOfEventContaining, interpretSseBody, toSseBody, typedFrames } from './helpers';

const message = {
  type: 'message',
  id: 'msg_67ccd3acc8d48190a77525dc6de64b4104becb25c45c1d41',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text: 'Semicolons are optional, mostly.', annotations: [] }],
};

/** A Responses API object as OpenAI documents it (gpt-4o), trimmed of request echo fields. */
const response = {
  id: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41',
  object: 'response',
  created_at: 1741476777,
  status: 'completed',
  error: null,
  incomplete_details: null,
  instructions: 'You are a coding assistant.',
  model: 'gpt-4o-2024-08-06',
  output: [message],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  tool_choice: 'auto',
  tools: [],
  usage: { input_tokens: 328, input_tokens_details: { cached_tokens: 128 }, output_tokens: 52, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 380 },
  metadata: {},
};

describe('Responses API JSON', () => {
  it('records the output item, usage with cached and reasoning tokens, status', () => {
    expect(interpretResponse('responses', response)).toEqual({
      output: message,
      model: 'gpt-4o-2024-08-06',
      responseId: 'resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41',
      usage: { input: 200, input_cached_tokens: 128, output: 40, output_reasoning_tokens: 12, total: 380 },
      finishReason: 'completed',
    });
  });

  it('records several items as a list, reasoning without its encrypted content', () => {
    const reasoning = { id: 'rs_6820f383d7c08191846711c5df8233bc', type: 'reasoning', summary: [], encrypted_content: 'gAAAAABoIPOD...' };
    const call = { type: 'function_call', id: 'fc_12345xyz', call_id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}', status: 'completed' };
    const facts = interpretResponse('responses', { ...response, output: [reasoning, call] });
    expect(facts.output).toEqual([{ id: 'rs_6820f383d7c08191846711c5df8233bc', type: 'reasoning', summary: [] }, call]);
    expect(reasoning.encrypted_content).toBe('gAAAAABoIPOD...'); // the body is not mutated
  });

  it('an incomplete response gives its reason', () => {
    expect(interpretResponse('responses', { ...response, status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }).finishReason).toBe('max_output_tokens');
  });

  it('a failed response gives its error', () => {
    const facts = interpretResponse('responses', { ...response, status: 'failed', output: [], error: { code: 'server_error', message: 'The model failed to generate a response.' } });
    expect(facts.error).toEqual({ message: 'The model failed to generate a response.', code: 'server_error' });
    expect(facts.output).toBeUndefined();
  });
});

const created = { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [], usage: null } };
const textEvents = (text: string[]) => [
  { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { id: message.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
  { type: 'response.content_part.added', sequence_number: 3, item_id: message.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
  ...text.map((delta, i) => ({ type: 'response.output_text.delta', sequence_number: 4 + i, item_id: message.id, output_index: 0, content_index: 0, delta })),
];

describe('Responses API stream', () => {
  it('prefers the whole response of response.completed, first content from the first delta', () => {
    const completed = { type: 'response.completed', sequence_number: 9, response: { ...response, usage: { ...response.usage, cost: 0.00094 } } };
    const body = toSseBody(
      typedFrames(
        created,
        { type: 'response.in_progress', sequence_number: 1, response: created.response },
        ...textEvents(['Semicolons', ' are optional, mostly.']),
        { type: 'response.output_text.done', sequence_number: 6, item_id: message.id, output_index: 0, content_index: 0, text: 'Semicolons are optional, mostly.' },
        { type: 'response.output_item.done', sequence_number: 8, output_index: 0, item: message },
        completed,
      ),
    );
    expect(interpretSseBody('responses', body)).toEqual({
      output: message,
      model: 'gpt-4o-2024-08-06',
      responseId: response.id,
      usage: { input: 200, input_cached_tokens: 128, output: 40, output_reasoning_tokens: 12, total: 380 },
      costUsd: 0.00094,
      finishReason: 'completed',
      firstContentOffset: endOfEventContaining(body, '"Semicolons"'),
    });
  });

  it('rebuilds text from deltas when the stream was cut before response.completed', () => {
    const body = toSseBody(typedFrames(created, ...textEvents(['Hel', 'lo'])));
    expect(interpretSseBody('responses', body)).toEqual({
      output: { id: message.id, type: 'message', status: 'in_progress', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] },
      model: 'gpt-4o-2024-08-06',
      responseId: response.id,
      firstContentOffset: endOfEventContaining(body, '"Hel"'),
    });
  });

  it('rebuilds function calls from argument deltas, first content at the named call', () => {
    const body = toSseBody(
      typedFrames(
        created,
        { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { type: 'function_call', id: 'fc_1234xyz', call_id: 'call_1234xyz', name: 'get_weather', arguments: '' } },
        { type: 'response.function_call_arguments.delta', sequence_number: 2, item_id: 'fc_1234xyz', output_index: 0, delta: '{"location":' },
        { type: 'response.function_call_arguments.delta', sequence_number: 3, item_id: 'fc_1234xyz', output_index: 0, delta: '"Paris, France"}' },
      ),
    );
    const facts = interpretSseBody('responses', body);
    expect(facts.output).toEqual({ type: 'function_call', id: 'fc_1234xyz', call_id: 'call_1234xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' });
    expect(facts.firstContentOffset).toBe(endOfEventContaining(body, 'response.output_item.added'));
  });

  it('collects reasoning summary deltas, refusal deltas, and orders items by output_index', () => {
    const body = toSseBody(
      typedFrames(
        { type: 'response.refusal.delta', sequence_number: 5, item_id: 'msg_2', output_index: 1, content_index: 0, delta: 'I cannot' },
        { type: 'response.reasoning_summary_text.delta', sequence_number: 2, item_id: 'rs_1', output_index: 0, summary_index: 0, delta: '**Thinking**' },
      ),
    );
    const facts = interpretSseBody('responses', body);
    expect(facts.output).toEqual([
      { type: 'reasoning', summary: [{ type: 'summary_text', text: '**Thinking**' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot' }] },
    ]);
    expect(facts.firstContentOffset).toBe(endOfEventContaining(body, 'I cannot'));
  });

  it('response.failed gives the error; an error event too', () => {
    const failed = { type: 'response.failed', sequence_number: 3, response: { ...response, status: 'failed', output: [], usage: null, error: { code: 'server_error', message: 'Something went wrong' } } };
    expect(interpretSseBody('responses', toSseBody(typedFrames(created, failed))).error).toEqual({ message: 'Something went wrong', code: 'server_error' });
    const errorEvent = { type: 'error', sequence_number: 1, code: 'ERR_SOMETHING', message: 'Something happened', param: null };
    expect(interpretSseBody('responses', toSseBody(typedFrames(created, errorEvent))).error).toEqual({ message: 'Something happened', code: 'ERR_SOMETHING' });
  });

  it("LiteLLM's data-only error event is the error", () => {
    const body = toSseBody([{ data: { error: { message: 'litellm.BadRequestError: bad', type: 'invalid_request_error', param: 'None', code: '400' } } }]);
    expect(interpretSseBody('responses', body)).toEqual({ error: { message: 'litellm.BadRequestError: bad', type: 'invalid_request_error', code: '400' } });
  });

  it('response.incomplete is terminal too', () => {
    const incomplete = { type: 'response.incomplete', sequence_number: 4, response: { ...response, status: 'incomplete', incomplete_details: { reason: 'content_filter' } } };
    expect(interpretSseBody('responses', toSseBody(typedFrames(created, incomplete))).finishReason).toBe('content_filter');
  });
});
