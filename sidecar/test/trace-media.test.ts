import { sendJson } from './support/fake-litellm';
import { postJson, sendRequest } from './support/http-client';
import { ATTR, readJsonAttribute, waitForTraceOf } from './support/span-helpers';
import { closeTestStack, startTestStack, type TestStack } from './support/test-stack';

// Images, audio, moderations and rerank through the proxy (issue 12): the client gets LiteLLM's bytes, one
// observation per call reaches Langfuse, and the bulky payload (image data, audio) never does.

describe('images, audio, moderations and rerank', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await closeTestStack(stack);
  });
  const exported = () => Buffer.concat(stack.langfuse.requests.map((request) => request.raw));

  test('an image generation: bytes untouched, the prompt in, a summary of the image data out, never the data', async () => {
    const image = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(30_000, 7)]).toString('base64');
    const body = { created: 1764400000, data: [{ b64_json: image, revised_prompt: 'A red fox, watercolour' }], usage: { input_tokens: 12, output_tokens: 1056, total_tokens: 1068 } };
    stack.fake.handle = (_req, _body, res) => sendJson(res, 200, body, { 'x-litellm-response-cost': '0.042' });
    const response = await postJson(stack.sidecar.url, '/v1/images/generations', { model: 'gpt-image-1', prompt: 'A red fox', size: '1024x1024', response_format: 'b64_json' });
    expect(response.body.toString()).toBe(JSON.stringify(body));
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(span.name).toBe('image gpt-image-1');
    expect(span.attributes[ATTR.type]).toBe('generation');
    expect(span.attributes[ATTR.input]).toBe('A red fox');
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ images: 1, data: [{ b64_json: { bytes: 30_004, format: 'png' }, revised_prompt: 'A red fox, watercolour' }] });
    expect(readJsonAttribute(span, ATTR.cost)).toEqual({ total: 0.042 });
    expect(exported().includes(image.slice(100, 160))).toBe(false);
  });

  test('an image response past the capture cap is sized, not copied', async () => {
    const image = Buffer.alloc(2 * 1024 * 1024, 9).toString('base64');
    stack.fake.handle = (_req, _body, res) => sendJson(res, 200, { created: 1, data: [{ b64_json: image }] });
    const response = await postJson(stack.sidecar.url, '/v1/images/generations', { model: 'gpt-image-1', prompt: 'huge' });
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ contentType: 'application/json', bytes: response.body.length, truncated: true });
    expect(exported().includes(image.slice(5000, 5100))).toBe(false);
  });

  test('speech: the text in, the audio\'s type and size out', async () => {
    const audio = Buffer.alloc(48_000, 0xff);
    stack.fake.handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      res.end(audio);
    };
    const response = await postJson(stack.sidecar.url, '/v1/audio/speech', { model: 'tts-1', input: 'Good morning.', voice: 'alloy' });
    expect(response.body.equals(audio)).toBe(true);
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(span.attributes[ATTR.input]).toBe('Good morning.');
    expect(readJsonAttribute(span, ATTR.output)).toEqual({ contentType: 'audio/mpeg', bytes: 48_000 });
    expect(readJsonAttribute(span, ATTR.modelParameters)).toEqual({ voice: 'alloy' });
  });

  test('a transcription: the form\'s file as name and size, never its bytes; the text out', async () => {
    const boundary = 'sidecar-test-boundary';
    const audio = Buffer.alloc(20_000, 0x41);
    const form = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="note.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
      audio,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    stack.fake.handle = (_req, received, res) => sendJson(res, 200, { text: `heard ${received.length} bytes`, usage: { type: 'duration', seconds: 4 } });
    const response = await sendRequest(stack.sidecar.url, { method: 'POST', path: '/v1/audio/transcriptions', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body: form });
    expect(JSON.parse(response.body.toString()).text).toBe(`heard ${form.length} bytes`);
    const span = await waitForTraceOf(stack.langfuse, response);
    expect(span.name).toBe('transcription whisper-1');
    expect(readJsonAttribute(span, ATTR.input)).toEqual({ file: { filename: 'note.wav', contentType: 'audio/wav', bytes: 20_000 } });
    expect(span.attributes[ATTR.output]).toBe(`heard ${form.length} bytes`);
    expect(readJsonAttribute(span, ATTR.usage)).toEqual({ seconds: 4 });
    expect(exported().includes(audio.subarray(0, 64))).toBe(false);
  });

  test('a moderation is a guardrail observation, a rerank a retriever', async () => {
    stack.fake.handle = (req, _body, res) =>
      req.url === '/v1/moderations'
        ? sendJson(res, 200, { id: 'modr-1', model: 'omni-moderation-latest', results: [{ flagged: false, categories: { violence: false }, category_scores: { violence: 0.01 } }] })
        : sendJson(res, 200, { id: 'rr-1', results: [{ index: 1, relevance_score: 0.9 }], meta: { billed_units: { search_units: 1 } } });
    const moderation = await postJson(stack.sidecar.url, '/v1/moderations', { model: 'omni-moderation-latest', input: 'hello' });
    const rerank = await postJson(stack.sidecar.url, '/v1/rerank', { model: 'rerank-v3.5', query: 'q', documents: ['a', 'b'] });
    const guard = await waitForTraceOf(stack.langfuse, moderation);
    expect(guard.attributes[ATTR.type]).toBe('guardrail');
    expect(readJsonAttribute(guard, ATTR.output)).toEqual({ flagged: false, results: [{ flagged: false, categories: {} }] });
    const retriever = await waitForTraceOf(stack.langfuse, rerank);
    expect(retriever.attributes[ATTR.type]).toBe('retriever');
    expect(readJsonAttribute(retriever, ATTR.usage)).toEqual({ search_units: 1 });
  });
});
