import { randomBytes } from 'node:crypto';
import { createAnthropicClient, createOpenAiClient, readLitellmReceived, readStack, requireSidecar, stripVolatile } from './e2e-helpers';
import { expectOneGeneration, readCallId } from './trace-assertions';

const stack = readStack();

// LiteLLM's Langfuse conventions (body `metadata` keys, `langfuse_*` headers that override them,
// `x-litellm-tags`) must shape the sidecar's trace while LiteLLM still receives them untouched.
describe('LiteLLM metadata conventions through the sidecar', () => {
  test('body metadata: session_id, trace_user_id, tags, trace_name shape the trace and reach LiteLLM', async () => {
    const metadata = { session_id: 'sess-e2e-body', trace_user_id: 'user-e2e-body', tags: ['e2e', 'body-tag'], trace_name: 'e2e-body-trace' };
    // The openai types say metadata is string-valued (OpenAI's stored completions); LiteLLM takes any JSON.
    const params = { model: 'fake-gpt', messages: [{ role: 'user' as const, content: 'Metadata in the body.' }], metadata: metadata as unknown as Record<string, string> };
    const viaLitellm = await createOpenAiClient(stack.litellmUrl).chat.completions.create(params).withResponse();
    const { data, response } = await createOpenAiClient(requireSidecar(stack)).chat.completions.create(params).withResponse();
    expect(stripVolatile(data)).toEqual(stripVolatile(viaLitellm.data));

    const callId = readCallId(response.headers);
    const span = await expectOneGeneration(stack, response.headers, { model: data.model, callId });
    expect(span.attributes['session.id']).toBe('sess-e2e-body');
    expect(span.attributes['user.id']).toBe('user-e2e-body');
    expect(span.attributes['langfuse.trace.tags']).toEqual(expect.arrayContaining(['e2e', 'body-tag']));
    expect(span.attributes['langfuse.trace.name']).toBe('e2e-body-trace');

    const received = await readLitellmReceived(stack, callId);
    expect(received).toMatchObject({ session_id: 'sess-e2e-body', trace_user_id: 'user-e2e-body', trace_name: 'e2e-body-trace', tags: ['e2e', 'body-tag'] });
  });

  test('langfuse_* headers override body metadata and x-litellm-tags add tags; LiteLLM receives the headers', async () => {
    const headers = {
      langfuse_session_id: 'sess-e2e-header',
      langfuse_trace_user_id: 'user-e2e-header',
      langfuse_trace_name: 'e2e-header-trace',
      'x-litellm-tags': 'hdr-a,hdr-b',
    };
    const params = {
      model: 'mock-chat',
      messages: [{ role: 'user' as const, content: 'Metadata in headers.' }],
      metadata: { session_id: 'sess-e2e-overridden' },
    };
    const { data, response } = await createOpenAiClient(requireSidecar(stack)).chat.completions.create(params, { headers }).withResponse();

    const callId = readCallId(response.headers);
    const span = await expectOneGeneration(stack, response.headers, { model: data.model, callId });
    expect(span.attributes['session.id']).toBe('sess-e2e-header');
    expect(span.attributes['user.id']).toBe('user-e2e-header');
    expect(span.attributes['langfuse.trace.name']).toBe('e2e-header-trace');
    expect(span.attributes['langfuse.trace.tags']).toEqual(expect.arrayContaining(['hdr-a', 'hdr-b']));

    const received = await readLitellmReceived(stack, callId);
    expect(received.headers).toMatchObject(headers);
    expect(received.session_id).toBe('sess-e2e-overridden');
    expect(received.request_tags).toEqual(expect.arrayContaining(['hdr-a', 'hdr-b']));
  });

  test('metadata.trace_id names the trace the sidecar announces and exports', async () => {
    const traceId = randomBytes(16).toString('hex');
    const params = { model: 'mock-chat', messages: [{ role: 'user' as const, content: 'Pick my trace id.' }], metadata: { trace_id: traceId } };
    const { data, response } = await createOpenAiClient(requireSidecar(stack)).chat.completions.create(params).withResponse();
    expect(response.headers.get('x-langfuse-trace-id')).toBe(traceId);
    await expectOneGeneration(stack, response.headers, { model: data.model, callId: readCallId(response.headers) });
  });

  test('anthropic client: metadata.user_id becomes the trace user, and the message is unchanged', async () => {
    const params = { model: 'mock-chat', max_tokens: 32, messages: [{ role: 'user' as const, content: 'Anthropic metadata.' }], metadata: { user_id: 'user-e2e-anthropic' } };
    const viaLitellm = await createAnthropicClient(stack.litellmUrl).messages.create(params).withResponse();
    const { data, response } = await createAnthropicClient(requireSidecar(stack)).messages.create(params).withResponse();
    expect(stripVolatile(data)).toEqual(stripVolatile(viaLitellm.data));
    const span = await expectOneGeneration(stack, response.headers, { model: data.model, callId: readCallId(response.headers) });
    expect(span.attributes['user.id']).toBe('user-e2e-anthropic');
  });
});
