import { toFile } from 'openai';
import { createOpenAiClient, fetchRecordedSpans, parseJsonAttribute, readStack, requireSidecar, stripVolatile } from './e2e-helpers';
import { FAKE_PNG_BASE64, FAKE_SPEECH_BYTES } from './fake-media-provider';
import { MASTER_KEY } from './start-stack';
import { expectOneGeneration, readCallId } from './trace-assertions';

// Issue 12: images, audio, moderations and rerank through the real LiteLLM 1.110.2, its OpenAI and Cohere
// providers pointed at the suite's fake, driven by the official openai client (rerank by fetch: no OpenAI API).
const stack = readStack();
const direct = createOpenAiClient(stack.litellmUrl);
const sidecar = () => createOpenAiClient(requireSidecar(stack));

test('images: the same image through the sidecar; the prompt and a summary of the data traced, never the data', async () => {
  const params = { model: 'fake-image', prompt: 'A small red square', size: '1024x1024' as const, response_format: 'b64_json' as const };
  const viaLitellm = await direct.images.generate(params);
  const { data, response } = await sidecar().images.generate(params).withResponse();
  expect(stripVolatile(data)).toEqual(stripVolatile(viaLitellm));
  expect(data.data?.[0]?.b64_json).toBe(FAKE_PNG_BASE64);
  const span = await expectOneGeneration(stack, response.headers, { model: 'fake-image', callId: readCallId(response.headers), inputContains: 'A small red square' });
  expect(parseJsonAttribute(span, 'langfuse.observation.output')).toMatchObject({ images: 1, data: [{ b64_json: { format: 'png' }, revised_prompt: 'A small red square, as requested.' }] });
  expect(JSON.stringify(span)).not.toContain(FAKE_PNG_BASE64.slice(10, 50));
});

test('speech: the same audio bytes through the sidecar; the text in, the audio\'s type and size out', async () => {
  const params = { model: 'fake-tts', input: 'Good morning from the e2e suite.', voice: 'alloy' as const };
  const viaLitellm = Buffer.from(await (await direct.audio.speech.create(params)).arrayBuffer());
  const { data, response } = await sidecar().audio.speech.create(params).withResponse();
  const viaSidecar = Buffer.from(await data.arrayBuffer());
  expect(viaSidecar.equals(viaLitellm)).toBe(true);
  expect(viaSidecar.equals(FAKE_SPEECH_BYTES)).toBe(true);
  const span = await expectOneGeneration(stack, response.headers, { model: 'fake-tts', inputContains: 'Good morning from the e2e suite.' });
  expect(parseJsonAttribute(span, 'langfuse.observation.output')).toMatchObject({ bytes: FAKE_SPEECH_BYTES.length });
});

test('transcription: the same text through the sidecar; the file traced by name and size, never its bytes', async () => {
  const audio = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(8000, 0x11)]);
  const viaLitellm = await direct.audio.transcriptions.create({ model: 'fake-whisper', file: await toFile(audio, 'standup.wav', { type: 'audio/wav' }) });
  const { data, response } = await sidecar().audio.transcriptions.create({ model: 'fake-whisper', file: await toFile(audio, 'standup.wav', { type: 'audio/wav' }) }).withResponse();
  expect(data.text).toBe(viaLitellm.text);
  const span = await expectOneGeneration(stack, response.headers, { model: 'fake-whisper', outputContains: 'Fake transcript' });
  expect(parseJsonAttribute(span, 'langfuse.observation.input')).toMatchObject({ file: { filename: 'standup.wav', bytes: audio.length } });
});

test('moderation: the same result through the sidecar, traced as a guardrail with what was flagged', async () => {
  const viaLitellm = await direct.moderations.create({ model: 'fake-moderation', input: 'a sentence to check' });
  const { data, response } = await sidecar().moderations.create({ model: 'fake-moderation', input: 'a sentence to check' }).withResponse();
  expect(stripVolatile(data)).toEqual(stripVolatile(viaLitellm));
  const span = await expectOneGeneration(stack, response.headers, { type: 'guardrail', model: data.model, inputContains: 'a sentence to check' });
  expect(parseJsonAttribute(span, 'langfuse.observation.output')).toEqual({ flagged: true, results: [{ flagged: true, categories: { violence: 0.87 } }] });
});

test('rerank: the same ranking through the sidecar, traced as a retriever with the search units', async () => {
  const call = async (baseUrl: string) => {
    const res = await fetch(`${baseUrl}/v1/rerank`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-rerank', query: 'What colour is the sky?', documents: ['Grass is green.', 'The sky is blue.'], top_n: 2 }),
    });
    return { headers: res.headers, body: (await res.json()) as { results: unknown[] } };
  };
  const viaLitellm = await call(stack.litellmUrl);
  const viaSidecar = await call(requireSidecar(stack));
  expect(stripVolatile(viaSidecar.body.results)).toEqual(stripVolatile(viaLitellm.body.results));
  const span = await expectOneGeneration(stack, viaSidecar.headers, { type: 'retriever', model: 'fake-rerank', inputContains: 'What colour is the sky?' });
  expect(parseJsonAttribute(span, 'langfuse.observation.output')).toEqual([expect.objectContaining({ index: 1, relevance_score: 0.93 }), expect.objectContaining({ index: 0, relevance_score: 0.12 })]);
  expect(JSON.stringify(await fetchRecordedSpans(stack))).not.toContain(MASTER_KEY);
});

/** POSTs JSON with the LiteLLM key, as a client without an SDK for the route does. */
async function postWithKey(url: string, body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

test('OCR: the same pages through the sidecar, the text traced as output, pages processed as usage', async () => {
  const body = { model: 'fake-ocr', document: { type: 'document_url', document_url: 'https://example.com/sky.pdf' } };
  const viaLitellm = await postWithKey(`${stack.litellmUrl}/v1/ocr`, body);
  const viaSidecar = await postWithKey(`${requireSidecar(stack)}/v1/ocr`, body);
  expect(viaSidecar.status).toBe(viaLitellm.status);
  expect(stripVolatile(viaSidecar.json)).toEqual(stripVolatile(viaLitellm.json));
  // The model LiteLLM reports (it answers with the model group's name).
  const { model } = viaSidecar.json as { model: string };
  const span = await expectOneGeneration(stack, viaSidecar.headers, { model, outputContains: 'The sky is blue.', inputContains: 'https://example.com/sky.pdf' });
  expect(parseJsonAttribute(span, 'langfuse.observation.usage_details')).toEqual({ pages: 1 });
});

test('search: the same results through the sidecar, traced as a retriever named after the search tool', async () => {
  const body = { query: 'Why is the sky blue?', max_results: 3 };
  const viaLitellm = await postWithKey(`${stack.litellmUrl}/v1/search/fake-search`, body);
  const viaSidecar = await postWithKey(`${requireSidecar(stack)}/v1/search/fake-search`, body);
  expect(viaSidecar.status).toBe(viaLitellm.status);
  expect(stripVolatile(viaSidecar.json)).toEqual(stripVolatile(viaLitellm.json));
  const span = await expectOneGeneration(stack, viaSidecar.headers, { type: 'retriever', model: 'fake-search', outputContains: 'https://example.com/sky', inputContains: 'Why is the sky blue?' });
  expect(span.attributes['langfuse.observation.metadata.route']).toBe('search');
});
