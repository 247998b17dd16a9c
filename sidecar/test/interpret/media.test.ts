import { parseMultipartFields } from '../../src/capture/parse-multipart';
import { interpretRequest, interpretResponse } from '../../src/interpret';
import { dataFrames, interpretSseBody, toSseBody } from './helpers';

// Bodies in the shapes of OpenAI's API reference (images, audio, moderations) and Cohere's (rerank), which LiteLLM
// returns for every provider behind those routes.

const PNG_BASE64 = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(992)]).toString('base64');

describe('images', () => {
  it('a generation request: the prompt as input, size / quality / n / style as parameters', () => {
    expect(interpretRequest('images', { model: 'gpt-image-1', prompt: 'A lighthouse at dawn', size: '1024x1024', quality: 'high', n: 2, style: 'vivid' })).toEqual({
      model: 'gpt-image-1',
      input: 'A lighthouse at dawn',
      modelParameters: { size: '1024x1024', quality: 'high', n: 2, style: 'vivid' },
      stream: false,
    });
  });

  it('a response: URLs and revised prompts kept, base64 data summarised as bytes and format, usage', () => {
    const facts = interpretResponse('images', {
      created: 1764400000,
      data: [{ b64_json: PNG_BASE64, revised_prompt: 'A lighthouse at dawn, watercolour' }, { url: 'https://example.com/img.png' }],
      usage: { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 50, image_tokens: 0 } },
      size: '1024x1024',
      quality: 'high',
    });
    expect(facts.output).toEqual({
      images: 2,
      data: [{ b64_json: { bytes: 1000, format: 'png' }, revised_prompt: 'A lighthouse at dawn, watercolour' }, { url: 'https://example.com/img.png' }],
      size: '1024x1024',
      quality: 'high',
    });
    expect(JSON.stringify(facts)).not.toContain(PNG_BASE64.slice(0, 40));
    expect(facts.usage).toMatchObject({ input: 50, output: 4160, total: 4210 });
  });
});

describe('audio', () => {
  it('speech: the text as input, voice and format as parameters', () => {
    expect(interpretRequest('speech', { model: 'tts-1', input: 'Hello there.', voice: 'alloy', response_format: 'mp3', speed: 1.25 })).toEqual({
      model: 'tts-1',
      input: 'Hello there.',
      modelParameters: { voice: 'alloy', response_format: 'mp3', speed: 1.25 },
      stream: false,
    });
  });

  it('a transcription form: fields as text, the file as name, type and size, never its bytes', () => {
    const boundary = '----form7MA4YWxk';
    const audio = Buffer.alloc(3000, 0x55);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="meeting.mp3"\r\nContent-Type: audio/mpeg\r\n\r\n`),
      audio,
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="language"\r\n\r\nen\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nword\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="timestamp_granularities[]"\r\n\r\nsegment\r\n--${boundary}--\r\n`),
    ]);
    const fields = parseMultipartFields(body, `multipart/form-data; boundary=${boundary}`, false);
    expect(fields).toEqual({ model: 'whisper-1', file: { filename: 'meeting.mp3', contentType: 'audio/mpeg', bytes: 3000 }, language: 'en', 'timestamp_granularities[]': ['word', 'segment'] });
    expect(interpretRequest('transcriptions', fields)).toEqual({
      model: 'whisper-1',
      input: { file: { filename: 'meeting.mp3', contentType: 'audio/mpeg', bytes: 3000 } },
      modelParameters: { language: 'en', 'timestamp_granularities[]': '["word","segment"]' },
      stream: false,
    });
    // Cut by the capture cap inside the file: the fields before it, the file marked as cut.
    const cut = parseMultipartFields(body.subarray(0, 400), `multipart/form-data; boundary="${boundary}"`, true);
    expect(cut).toMatchObject({ model: 'whisper-1', file: { filename: 'meeting.mp3', truncated: true } });
  });

  it('a transcription: the text; verbose JSON adds language, duration and the segment count; seconds as usage', () => {
    expect(interpretResponse('transcriptions', { text: 'Hello.', usage: { type: 'duration', seconds: 3 } })).toEqual({ output: 'Hello.', usage: { seconds: 3 } });
    expect(interpretResponse('transcriptions', { task: 'transcribe', language: 'english', duration: 2.5, text: 'Hello.', segments: [{ id: 0 }, { id: 1 }] }).output).toEqual({ text: 'Hello.', language: 'english', duration: 2.5, segments: 2 });
  });
});

describe('streamed images and transcriptions', () => {
  it('a streamed image: partial images counted, the final image summarised, never its data', () => {
    const body = toSseBody(
      dataFrames(
        { type: 'image_generation.partial_image', b64_json: PNG_BASE64, partial_image_index: 0 },
        { type: 'image_generation.completed', b64_json: PNG_BASE64, size: '1024x1024', quality: 'high', usage: { input_tokens: 10, output_tokens: 100, total_tokens: 110 } },
      ),
    );
    const facts = interpretSseBody('images', body);
    expect(facts.output).toEqual({ images: 1, partial_images: 1, data: [{ b64_json: { bytes: 1000, format: 'png' } }], size: '1024x1024', quality: 'high' });
    expect(facts.usage).toMatchObject({ input: 10, output: 100, total: 110 });
    expect(JSON.stringify(facts)).not.toContain(PNG_BASE64.slice(0, 40));
  });

  it('a streamed transcription: the text from the deltas, the final text and usage from the done event', () => {
    const body = toSseBody(
      dataFrames(
        { type: 'transcript.text.delta', delta: 'Hello ' },
        { type: 'transcript.text.delta', delta: 'world.' },
        { type: 'transcript.text.done', text: 'Hello world.', usage: { input_tokens: 14, output_tokens: 3, total_tokens: 17 } },
      ),
    );
    const facts = interpretSseBody('transcriptions', body);
    expect(facts).toMatchObject({ output: 'Hello world.', usage: { input: 14, output: 3, total: 17 } });
    expect(facts.firstContentOffset).toBeGreaterThan(0);
  });
});

describe('moderations (a guardrail) and rerank (a retriever)', () => {
  it('moderation: flagged or not, and the categories that fired with their scores', () => {
    expect(interpretRequest('moderations', { model: 'omni-moderation-latest', input: 'some text' }).input).toBe('some text');
    const facts = interpretResponse('moderations', {
      id: 'modr-1',
      model: 'omni-moderation-latest',
      results: [{ flagged: true, categories: { violence: true, harassment: false }, category_scores: { violence: 0.91, harassment: 0.01 } }],
    });
    expect(facts).toMatchObject({ model: 'omni-moderation-latest', responseId: 'modr-1', output: { flagged: true, results: [{ flagged: true, categories: { violence: 0.91 } }] } });
  });

  it('rerank: the query and documents (20 at most, each capped), the ranking, search units as usage', () => {
    const documents = Array.from({ length: 25 }, (_, i) => (i === 0 ? 'x'.repeat(1500) : `doc ${i}`));
    const request = interpretRequest('rerank', { model: 'rerank-v3.5', query: 'sky colour', documents, top_n: 2 });
    expect(request.modelParameters).toEqual({ top_n: 2 });
    const input = request.input as { query: string; documents: string[]; documents_total: number };
    expect(input.query).toBe('sky colour');
    expect(input.documents).toHaveLength(20);
    expect(input.documents[0]).toBe(`${'x'.repeat(1000)}… [1500 characters]`);
    expect(input.documents_total).toBe(25);
    const facts = interpretResponse('rerank', { id: 'rr-1', results: [{ index: 3, relevance_score: 0.98 }, { index: 0, relevance_score: 0.12 }], meta: { billed_units: { search_units: 1 } } });
    expect(facts).toEqual({ responseId: 'rr-1', output: [{ index: 3, relevance_score: 0.98 }, { index: 0, relevance_score: 0.12 }], usage: { search_units: 1 } });
  });
});
