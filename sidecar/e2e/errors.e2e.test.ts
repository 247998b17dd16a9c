import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createAnthropicClient, createOpenAiClient, pickStableLitellmHeaders, readStack, requireSidecar } from './e2e-helpers';
import { expectOneGeneration } from './trace-assertions';

const stack = readStack();

/** Runs a call that must fail and returns the official client's error. */
async function expectApiError<T extends { status?: number }>(call: () => Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as T;
  }
  throw new Error('the call succeeded but was expected to fail');
}

const chat = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'This should be refused.' }] });

/** Calls through LiteLLM directly and through the sidecar and checks the client sees the same error. */
async function expectSameOpenAiError(apiKey: string | undefined, model: string): Promise<InstanceType<typeof OpenAI.APIError>> {
  const directError = await expectApiError(() => createOpenAiClient(stack.litellmUrl, apiKey).chat.completions.create(chat(model)), OpenAI.APIError);
  const proxiedError = await expectApiError(() => createOpenAiClient(requireSidecar(stack), apiKey).chat.completions.create(chat(model)), OpenAI.APIError);
  expect(proxiedError.status).toBe(directError.status);
  expect(proxiedError.error).toEqual(directError.error);
  expect(proxiedError.constructor).toBe(directError.constructor);
  expect(pickStableLitellmHeaders(proxiedError.headers as Headers)).toEqual(pickStableLitellmHeaders(directError.headers as Headers));
  return proxiedError;
}

describe('LiteLLM rejections come back unchanged and are traced as errors', () => {
  test('missing key: 401 through the sidecar, traced at level ERROR', async () => {
    const error = await expectSameOpenAiError('', 'mock-chat');
    expect(error.status).toBe(401);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    await expectOneGeneration(stack, error.headers as Headers, { model: 'mock-chat', level: 'ERROR' });
  });

  // Without a database LiteLLM 1.110.2 answers an unknown key with 400 "No connected db."
  // (type no_db_connection) instead of 401; with Postgres (docker-compose) it is 401. Either
  // way the client must see exactly what LiteLLM said.
  test('wrong key: LiteLLM\'s answer unchanged through the sidecar, traced at level ERROR', async () => {
    const error = await expectSameOpenAiError('sk-wrong-key', 'mock-chat');
    expect([400, 401]).toContain(error.status);
    await expectOneGeneration(stack, error.headers as Headers, { model: 'mock-chat', level: 'ERROR' });
  });

  test('unknown model: 400 through the sidecar with LiteLLM\'s message, traced at level ERROR with the call id', async () => {
    const error = await expectSameOpenAiError(undefined, 'no-such-model');
    expect([400, 404]).toContain(error.status);
    expect(error.message).toContain('no-such-model');
    const headers = error.headers as Headers;
    const span = await expectOneGeneration(stack, headers, {
      model: 'no-such-model',
      level: 'ERROR',
      callId: headers.get('x-litellm-call-id') ?? undefined,
    });
    expect(String(span.attributes['langfuse.observation.status_message'])).toContain('no-such-model');
  });

  test('anthropic client, unknown model: same error through the sidecar, traced at level ERROR', async () => {
    const params = { model: 'no-such-model', max_tokens: 16, messages: [{ role: 'user' as const, content: 'Refuse me.' }] };
    const directError = await expectApiError(() => createAnthropicClient(stack.litellmUrl).messages.create(params), Anthropic.APIError);
    const proxiedError = await expectApiError(() => createAnthropicClient(requireSidecar(stack)).messages.create(params), Anthropic.APIError);
    expect(proxiedError.status).toBe(directError.status);
    expect(proxiedError.error).toEqual(directError.error);
    expect([400, 404]).toContain(proxiedError.status);
    await expectOneGeneration(stack, proxiedError.headers, { model: 'no-such-model', level: 'ERROR' });
  });
});
