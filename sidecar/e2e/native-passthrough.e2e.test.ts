import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type Anthropic from '@anthropic-ai/sdk';
import { createAnthropicClient, fetchRecordedSpans, readStack, requireSidecar, stripVolatile } from './e2e-helpers';
import { FAKE_ANTHROPIC_MODEL, FAKE_GEMINI_MODEL } from './fake-native-providers';
import { MASTER_KEY } from './start-stack';
import { expectOneGeneration } from './trace-assertions';

// Issue 12: LiteLLM's native pass-through routes, which clients use with Google's and Anthropic's own SDKs. LiteLLM
// forwards /gemini to GEMINI_API_BASE and /anthropic to ANTHROPIC_API_BASE, both the suite's fake provider here,
// replacing the client's LiteLLM key (x-goog-api-key, x-api-key) with the provider key.
const stack = readStack();

/** A curl-style Gemini call (`v1beta`), the LiteLLM key in `x-goog-api-key` as Google's clients send theirs. */
async function callGemini(baseUrl: string, method: string, body: unknown, query = ''): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${baseUrl}/gemini/v1beta/models/${FAKE_GEMINI_MODEL}:${method}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': MASTER_KEY },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const contents = [{ role: 'user', parts: [{ text: 'Why is the sky blue? (gemini pass-through)' }] }];

/** A unary and a streamed call with the official @google/genai client, in a child process (call-with-google-genai.ts). */
async function callWithGoogleGenai(baseUrl: string, prompt: string): Promise<{ text: string; streamed: string }> {
  const loader = pathToFileURL(require.resolve('tsx')).href;
  const args = ['--import', loader, join(__dirname, 'call-with-google-genai.ts'), `${baseUrl}/gemini`, MASTER_KEY, FAKE_GEMINI_MODEL, prompt];
  const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 30_000 });
  return JSON.parse(stdout) as { text: string; streamed: string };
}

describe('LiteLLM /gemini pass-through', () => {
  test('generateContent: the same body through the sidecar, one generation with Gemini\'s usageMetadata', async () => {
    const direct = await callGemini(stack.litellmUrl, 'generateContent', { contents });
    const proxied = await callGemini(requireSidecar(stack), 'generateContent', { contents });
    expect(proxied.status).toBe(200);
    expect(JSON.parse(proxied.text)).toEqual(JSON.parse(direct.text));
    const span = await expectOneGeneration(stack, proxied.headers, {
      model: FAKE_GEMINI_MODEL,
      usage: { input: 9, output: 7, total: 16 },
      outputContains: 'Fake Gemini says the sky is blue.',
      inputContains: 'Why is the sky blue?',
    });
    expect(span.attributes['langfuse.observation.metadata.route']).toBe('gemini');
  });

  test('streamGenerateContent with alt=sse: the same events through the sidecar, the output rebuilt from them', async () => {
    const direct = await callGemini(stack.litellmUrl, 'streamGenerateContent', { contents }, '?alt=sse');
    const proxied = await callGemini(requireSidecar(stack), 'streamGenerateContent', { contents }, '?alt=sse');
    expect(proxied.headers.get('content-type')).toContain('text/event-stream');
    expect(proxied.text).toBe(direct.text);
    const span = await expectOneGeneration(stack, proxied.headers, {
      model: FAKE_GEMINI_MODEL,
      usage: { input: 9, output: 7, total: 16 },
      outputContains: 'Fake Gemini says the sky is blue.',
    });
    expect(span.attributes['langfuse.observation.completion_start_time']).toBeDefined();
    expect(span.attributes['langfuse.observation.metadata.stream']).toBe('true');
  });

  test('the official @google/genai client: the same answer and stream through the sidecar, each call traced once', async () => {
    const prompt = 'Why is the sky blue? (google-genai)';
    const viaLitellm = await callWithGoogleGenai(stack.litellmUrl, prompt);
    const viaSidecar = await callWithGoogleGenai(requireSidecar(stack), prompt);
    expect(viaSidecar).toEqual(viaLitellm);
    expect(viaSidecar).toEqual({ text: 'Fake Gemini says the sky is blue.', streamed: 'Fake Gemini says the sky is blue.' });
    // One trace per call through the sidecar: the unary one and the streamed one (the direct calls make none).
    const spans = async () => (await fetchRecordedSpans(stack)).filter((span) => String(span.attributes['langfuse.observation.input']).includes('(google-genai)'));
    let found: Awaited<ReturnType<typeof spans>> = [];
    for (let i = 0; i < 100 && found.length < 2; i++) {
      found = await spans();
      if (found.length < 2) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(found.map((span) => span.attributes['langfuse.observation.metadata.route']).sort()).toEqual(['gemini', 'gemini-stream']);
    for (const span of found) expect(String(span.attributes['langfuse.observation.output'])).toContain('Fake Gemini says the sky is blue.');
  });

  test('countTokens is forwarded and not traced', async () => {
    const proxied = await callGemini(requireSidecar(stack), 'countTokens', { contents });
    expect(proxied.status).toBe(200);
    expect(proxied.headers.get('x-langfuse-trace-id')).toBeNull();
  });
});

describe('LiteLLM /anthropic pass-through with the official Anthropic client', () => {
  const direct = () => createAnthropicClient(`${stack.litellmUrl}/anthropic`);
  const sidecar = () => createAnthropicClient(`${requireSidecar(stack)}/anthropic`);
  const params = { model: FAKE_ANTHROPIC_MODEL, max_tokens: 64, messages: [{ role: 'user' as const, content: 'Sky colour? (anthropic pass-through)' }] };

  test('non-streamed: the same message, one generation with Anthropic\'s usage', async () => {
    const viaLitellm = await direct().messages.create(params);
    const viaSidecar = await sidecar().messages.create(params).withResponse();
    expect(stripVolatile(viaSidecar.data)).toEqual(stripVolatile(viaLitellm));
    await expectOneGeneration(stack, viaSidecar.response.headers, {
      model: FAKE_ANTHROPIC_MODEL,
      usage: { input: 11, output: 8 },
      outputContains: 'Fake Claude says the sky is blue.',
      inputContains: 'Sky colour?',
    });
  });

  test('streamed: the same events, the output rebuilt from them', async () => {
    const collect = async (stream: AsyncIterable<Anthropic.RawMessageStreamEvent>) => {
      const events: Anthropic.RawMessageStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      return events;
    };
    const viaLitellm = await collect(await direct().messages.create({ ...params, stream: true }));
    const { data, response } = await sidecar().messages.create({ ...params, stream: true }).withResponse();
    expect(stripVolatile(await collect(data))).toEqual(stripVolatile(viaLitellm));
    await expectOneGeneration(stack, response.headers, { model: FAKE_ANTHROPIC_MODEL, usage: { input: 11, output: 8 }, outputContains: 'Fake Claude says the sky is blue.' });
  });
});

describe('after the calls above', () => {
  test('the LiteLLM key sent as x-goog-api-key or x-api-key reaches no exported byte', async () => {
    const spans = await fetchRecordedSpans(stack);
    // In a describe of its own, so it runs after the calls above (jest runs a file's top-level tests first).
    expect(spans.filter((span) => String(span.attributes['langfuse.observation.metadata.route']).startsWith('gemini')).length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(spans)).not.toContain(MASTER_KEY);
  });
});
