import type OpenAI from 'openai';
import { createOpenAiClient, pickStableLitellmHeaders, readStack, requireSidecar, stripVolatile } from './e2e-helpers';
import { expectOneGeneration, readCallId, readCostHeader } from './trace-assertions';

const stack = readStack();
const direct = createOpenAiClient(stack.litellmUrl);
const sidecar = () => createOpenAiClient(requireSidecar(stack));

type ResponseUsage = OpenAI.Responses.ResponseUsage & { cost?: number | null };

// mock_response answers non-streamed Responses calls; streamed ones need a real provider route
// (LiteLLM 1.110.2 fails a streamed mock with "'ResponsesAPIResponse' object has no attribute '__aiter__'").
describe.each(['mock-chat', 'fake-gpt'])('openai client: Responses API with %s', (model) => {
  test('non-streamed: same result through the sidecar, traced once with LiteLLM\'s values', async () => {
    const params = { model, input: `Say something about the sky (${model}).` };
    const viaLitellm = await direct.responses.create(params).withResponse();
    const viaSidecar = await sidecar().responses.create(params).withResponse();
    expect(viaSidecar.response.status).toBe(200);
    expect(stripVolatile(viaSidecar.data)).toEqual(stripVolatile(viaLitellm.data));
    expect(viaSidecar.data.output_text).toBe(viaLitellm.data.output_text);
    expect(viaSidecar.data.output_text.length).toBeGreaterThan(0);
    expect(pickStableLitellmHeaders(viaSidecar.response.headers)).toEqual(pickStableLitellmHeaders(viaLitellm.response.headers));

    const { data, response } = viaSidecar;
    const usage = data.usage as ResponseUsage;
    await expectOneGeneration(stack, response.headers, {
      model: data.model,
      usage: { input: usage.input_tokens, output: usage.output_tokens, total: usage.total_tokens },
      cost: readCostHeader(response.headers),
      callId: readCallId(response.headers),
      outputContains: data.output_text,
      inputContains: 'Say something about the sky',
    });
  });
});

test('openai client: streamed Responses API with fake-gpt, same events through the sidecar, traced once', async () => {
  const params = { model: 'fake-gpt', input: 'Stream something about the sky.', stream: true as const };
  const collect = async (stream: AsyncIterable<OpenAI.Responses.ResponseStreamEvent>) => {
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return events;
  };
  const viaLitellm = await direct.responses.create(params).withResponse();
  const directEvents = await collect(viaLitellm.data);
  const viaSidecar = await sidecar().responses.create(params).withResponse();
  const events = await collect(viaSidecar.data);

  expect(viaSidecar.response.status).toBe(200);
  expect(events.map((e) => e.type)).toEqual(directEvents.map((e) => e.type));
  expect(stripVolatile(events)).toEqual(stripVolatile(directEvents));
  const completed = events.find((e): e is OpenAI.Responses.ResponseCompletedEvent => e.type === 'response.completed');
  expect(completed).toBeDefined();
  const text = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('');
  expect(text.length).toBeGreaterThan(0);
  const usage = completed?.response.usage as ResponseUsage;
  expect(usage.total_tokens).toBeGreaterThan(0);

  await expectOneGeneration(stack, viaSidecar.response.headers, {
    model: completed?.response.model ?? 'fake-gpt',
    usage: { input: usage.input_tokens, output: usage.output_tokens, total: usage.total_tokens },
    // No cost header on streams: LiteLLM puts it in the completed event's usage.cost.
    cost: usage.cost ?? undefined,
    callId: readCallId(viaSidecar.response.headers),
    outputContains: text,
  });
});
