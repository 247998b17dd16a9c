import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * OpenAI's image, audio and moderation endpoints and Cohere's rerank, as the providers answer them, for LiteLLM's
 * /v1/images, /v1/audio, /v1/moderations and /rerank routes pointed at the suite's fake (`openai/…` and
 * `cohere/…` models with `api_base`). Shapes from the providers' API references.
 */

/** A 1×1 PNG, base64: what an image model returns with `response_format: b64_json`. */
export const FAKE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
/** The bytes the fake speech endpoint returns (an MP3 frame header and silence). */
export const FAKE_SPEECH_BYTES = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(4096)]);

function sendJson(res: ServerResponse, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers one media request by path; false when the path is not one of these. The body is JSON, or raw for forms. */
export function handleMedia(path: string, req: IncomingMessage, body: unknown, res: ServerResponse): boolean {
  if (path.endsWith('/images/generations')) {
    sendJson(res, { created: 1_764_000_000, data: [{ b64_json: FAKE_PNG_BASE64, revised_prompt: 'A small red square, as requested.' }], usage: { input_tokens: 9, output_tokens: 272, total_tokens: 281, input_tokens_details: { text_tokens: 9, image_tokens: 0 } } });
    return true;
  }
  if (path.endsWith('/audio/speech')) {
    res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': FAKE_SPEECH_BYTES.length });
    res.end(FAKE_SPEECH_BYTES);
    return true;
  }
  if (path.endsWith('/audio/transcriptions')) {
    const length = Buffer.isBuffer(body) ? body.length : 0;
    sendJson(res, { text: `Fake transcript of ${req.headers['content-type']?.split(';')[0]} (${length > 0 ? 'with' : 'without'} audio).`, usage: { type: 'duration', seconds: 2 } });
    return true;
  }
  if (path.endsWith('/moderations')) {
    sendJson(res, { id: 'modr-fake-1', model: 'omni-moderation-latest', results: [{ flagged: true, categories: { violence: true, harassment: false }, category_scores: { violence: 0.87, harassment: 0.02 } }] });
    return true;
  }
  if (path.endsWith('/ocr')) {
    sendJson(res, { model: 'mistral-ocr-2505', pages: [{ index: 0, markdown: '# Fake page\n\nThe sky is blue.', images: [], dimensions: { dpi: 200, height: 2200, width: 1700 } }], usage_info: { pages_processed: 1, doc_size_bytes: 1234 } });
    return true;
  }
  if (path.endsWith('/search')) {
    sendJson(res, { id: 'search-fake-1', results: [{ title: 'Why is the sky blue?', url: 'https://example.com/sky', snippet: 'Rayleigh scattering.', date: '2026-01-01' }] });
    return true;
  }
  if (path.endsWith('/rerank')) {
    sendJson(res, { id: 'rerank-fake-1', results: [{ index: 1, relevance_score: 0.93 }, { index: 0, relevance_score: 0.12 }], meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } } });
    return true;
  }
  return false;
}
