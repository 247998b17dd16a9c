import type OpenAI from 'openai';
import { createOpenAiClient, listLitellmHeaderNames, pickStableLitellmHeaders, readStack, requireSidecar, stripVolatile } from './e2e-helpers';
import { FAKE_UPSTREAM_MODEL } from './fake-openai';
import { expectOneGeneration, readCallId, readCostHeader } from './trace-assertions';

const stack = readStack();
const direct = createOpenAiClient(stack.litellmUrl);
const sidecar = () => createOpenAiClient(requireSidecar(stack));

type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk & { usage?: { cost?: number } | null };

/** Reads a chat stream to the end with the official client. */
async function collect(stream: AsyncIterable<ChatChunk>): Promise<{ chunks: ChatChunk[]; text: string; usage?: ChatChunk['usage'] }> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  const usage = chunks.findLast((c) => c.usage)?.usage;
  return { chunks, text, usage };
}

describe.each(['mock-chat', 'fake-gpt'])('openai client: chat completions with %s', (model) => {
  const params = { model, messages: [{ role: 'user' as const, content: `Why is the sky blue? (${model})` }] };

  test('non-streamed: same result through the sidecar, traced once with LiteLLM\'s values', async () => {
    const viaLitellm = await direct.chat.completions.create(params).withResponse();
    const viaSidecar = await sidecar().chat.completions.create(params).withResponse();
    expect(viaSidecar.response.status).toBe(viaLitellm.response.status);
    expect(stripVolatile(viaSidecar.data)).toEqual(stripVolatile(viaLitellm.data));
    expect(pickStableLitellmHeaders(viaSidecar.response.headers)).toEqual(pickStableLitellmHeaders(viaLitellm.response.headers));
    expect(listLitellmHeaderNames(viaSidecar.response.headers)).toEqual(listLitellmHeaderNames(viaLitellm.response.headers));

    const { data, response } = viaSidecar;
    const usage = data.usage as OpenAI.CompletionUsage;
    await expectOneGeneration(stack, response.headers, {
      model: data.model,
      usage: { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens },
      cost: readCostHeader(response.headers),
      callId: readCallId(response.headers),
      outputContains: data.choices[0]?.message.content ?? '',
      inputContains: 'Why is the sky blue?',
    });
    expect(readCostHeader(response.headers)).toBeGreaterThan(0);
  });

  test('streamed: same chunks through the sidecar, usage and cost from the last chunk in the trace', async () => {
    const streamParams = { ...params, stream: true as const };
    const viaLitellm = await direct.chat.completions.create(streamParams).withResponse();
    const directResult = await collect(viaLitellm.data as AsyncIterable<ChatChunk>);
    const viaSidecar = await sidecar().chat.completions.create(streamParams).withResponse();
    const proxied = await collect(viaSidecar.data as AsyncIterable<ChatChunk>);

    expect(viaSidecar.response.status).toBe(200);
    expect(viaSidecar.response.headers.get('content-type')).toBe(viaLitellm.response.headers.get('content-type'));
    expect(proxied.text).toBe(directResult.text);
    expect(proxied.text.length).toBeGreaterThan(0);
    expect(stripVolatile(proxied.chunks)).toEqual(stripVolatile(directResult.chunks));
    expect(pickStableLitellmHeaders(viaSidecar.response.headers)).toEqual(pickStableLitellmHeaders(viaLitellm.response.headers));
    // always_include_stream_usage: LiteLLM adds usage (with its cost) to the last chunk.
    expect(proxied.usage?.total_tokens).toBeGreaterThan(0);
    expect(proxied.usage?.cost).toBeGreaterThan(0);

    const usage = proxied.usage as NonNullable<ChatChunk['usage']>;
    await expectOneGeneration(stack, viaSidecar.response.headers, {
      model: proxied.chunks[0]?.model ?? model,
      usage: { input: usage.prompt_tokens, output: usage.completion_tokens, total: usage.total_tokens },
      cost: usage.cost,
      callId: readCallId(viaSidecar.response.headers),
      outputContains: proxied.text,
    });
  });
});

describe.each(['mock-embed', 'fake-embed'])('openai client: embeddings with %s', (model) => {
  test('same vectors through the sidecar, traced once with LiteLLM\'s usage and cost', async () => {
    const params = { model, input: 'The sky is blue.' };
    const viaLitellm = await direct.embeddings.create(params).withResponse();
    const viaSidecar = await sidecar().embeddings.create(params).withResponse();
    expect(viaSidecar.response.status).toBe(200);
    expect(stripVolatile(viaSidecar.data)).toEqual(stripVolatile(viaLitellm.data));
    expect(viaSidecar.data.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(pickStableLitellmHeaders(viaSidecar.response.headers)).toEqual(pickStableLitellmHeaders(viaLitellm.response.headers));

    const { data, response } = viaSidecar;
    await expectOneGeneration(stack, response.headers, {
      type: 'embedding',
      model: data.model,
      usage: { input: data.usage.prompt_tokens },
      cost: readCostHeader(response.headers),
      callId: readCallId(response.headers),
    });
  });
});

test('the fake upstream really served the fake-* calls (LiteLLM\'s OpenAI provider code ran)', async () => {
  const res = await fetch(`${stack.fakeOpenAiUrl}/_e2e/recorded`);
  const requests = (await res.json()) as { path: string; headers: Record<string, string>; body: { model?: string } }[];
  expect(requests.some((r) => r.path.endsWith('/chat/completions') && r.body.model === FAKE_UPSTREAM_MODEL)).toBe(true);
  expect(requests.some((r) => r.path.endsWith('/embeddings'))).toBe(true);
  // LiteLLM sends its own provider key upstream, never the client's master key (the fake also plays Gemini,
  // Anthropic, Cohere, Mistral and Perplexity for other files, with their own provider keys).
  const openAiCalls = requests.filter((r) => /\/(chat\/completions|embeddings|responses)$/.test(r.path));
  expect(openAiCalls.length).toBeGreaterThan(0);
  expect(openAiCalls.every((r) => r.headers.authorization === 'Bearer sk-fake-upstream')).toBe(true);
});
