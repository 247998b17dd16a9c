import type Anthropic from '@anthropic-ai/sdk';
import { createAnthropicClient, pickStableLitellmHeaders, readStack, requireSidecar, stripVolatile } from './e2e-helpers';
import { expectOneGeneration, readCallId, readCostHeader } from './trace-assertions';

const stack = readStack();
const direct = createAnthropicClient(stack.litellmUrl);
const sidecar = () => createAnthropicClient(requireSidecar(stack));

const textOf = (message: Anthropic.Message): string =>
  message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');

// LiteLLM's /v1/messages: mock_response answers non-streamed calls; a streamed call needs a real
// provider route, here LiteLLM's OpenAI provider translating to the fake upstream.
describe.each(['mock-chat', 'fake-gpt'])('anthropic client: /v1/messages with %s', (model) => {
  test('non-streamed: same message through the sidecar, traced once with LiteLLM\'s values', async () => {
    const params = { model, max_tokens: 64, messages: [{ role: 'user' as const, content: `Tell me about the sky (${model}).` }] };
    const viaLitellm = await direct.messages.create(params).withResponse();
    const viaSidecar = await sidecar().messages.create(params).withResponse();
    expect(viaSidecar.response.status).toBe(200);
    expect(stripVolatile(viaSidecar.data)).toEqual(stripVolatile(viaLitellm.data));
    expect(textOf(viaSidecar.data).length).toBeGreaterThan(0);
    expect(pickStableLitellmHeaders(viaSidecar.response.headers)).toEqual(pickStableLitellmHeaders(viaLitellm.response.headers));

    const { data, response } = viaSidecar;
    await expectOneGeneration(stack, response.headers, {
      model: data.model,
      usage: { input: data.usage.input_tokens, output: data.usage.output_tokens },
      cost: readCostHeader(response.headers),
      callId: readCallId(response.headers),
      outputContains: textOf(data),
      inputContains: 'Tell me about the sky',
    });
  });
});

test('anthropic client: streamed /v1/messages with fake-gpt, same events through the sidecar, traced once', async () => {
  const params = { model: 'fake-gpt', max_tokens: 64, stream: true as const, messages: [{ role: 'user' as const, content: 'Stream about the sky.' }] };
  const collect = async (stream: AsyncIterable<Anthropic.RawMessageStreamEvent>) => {
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return events;
  };
  const viaLitellm = await direct.messages.create(params).withResponse();
  const directEvents = await collect(viaLitellm.data);
  const viaSidecar = await sidecar().messages.create(params).withResponse();
  const events = await collect(viaSidecar.data);

  expect(viaSidecar.response.status).toBe(200);
  expect(stripVolatile(events)).toEqual(stripVolatile(directEvents));
  const text = events.flatMap((e) => (e.type === 'content_block_delta' && e.delta.type === 'text_delta' ? [e.delta.text] : [])).join('');
  expect(text.length).toBeGreaterThan(0);
  const delta = events.find((e): e is Anthropic.RawMessageDeltaEvent => e.type === 'message_delta');
  const start = events.find((e): e is Anthropic.RawMessageStartEvent => e.type === 'message_start');
  expect(delta?.usage.output_tokens).toBeGreaterThan(0);

  await expectOneGeneration(stack, viaSidecar.response.headers, {
    model: start?.message.model ?? 'fake-gpt',
    usage: { input: delta?.usage.input_tokens ?? undefined, output: delta?.usage.output_tokens },
    callId: readCallId(viaSidecar.response.headers),
    outputContains: text,
  });
});
