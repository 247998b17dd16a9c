import { classifyRoute, interpretRequest, interpretResponse, readModelFromPath } from '../../src/interpret';
import { dataFrames, interpretSseBody, toSseBody } from './helpers';

// Bodies in the shapes of Google's Gemini API reference (GenerateContentRequest / GenerateContentResponse,
// UsageMetadata, EmbedContentResponse), as LiteLLM's /gemini and /vertex_ai pass-through relay them.

describe('Gemini routes (LiteLLM pass-through)', () => {
  it.each([
    ['/gemini/v1beta/models/gemini-2.5-flash:generateContent', 'gemini', 'gemini-2.5-flash'],
    ['/gemini/v1/models/gemini-2.5-flash:streamGenerateContent', 'gemini-stream', 'gemini-2.5-flash'],
    ['/gemini/v1beta/models/text-embedding-004:embedContent', 'gemini-embed', 'text-embedding-004'],
    ['/gemini/v1beta/models/text-embedding-004:batchEmbedContents', 'gemini-embed', 'text-embedding-004'],
    ['/vertex_ai/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent', 'gemini', 'gemini-2.5-pro'],
    ['/anthropic/v1/messages', 'messages', undefined],
  ])('POST %s is %s (model from the path: %s)', (path, route, model) => {
    expect(classifyRoute('POST', `${path}?key=sk-litellm-in-the-query`)).toBe(route);
    expect(readModelFromPath(path)).toBe(model);
  });

  it.each([
    '/gemini/v1beta/models/gemini-2.5-flash:countTokens',
    '/gemini/v1beta/models',
    '/gemini/v1beta/files',
    '/vertex_ai/v1/projects/p1/locations/us-central1/publishers/anthropic/models/claude:rawPredict',
    '/anthropic/v1/messages/count_tokens',
  ])('POST %s makes no generation: not traced', (path) => {
    expect(classifyRoute('POST', path)).toBeUndefined();
  });
});

describe('Gemini request and response', () => {
  const request = {
    systemInstruction: { parts: [{ text: 'Answer briefly.' }] },
    contents: [{ role: 'user', parts: [{ text: 'Capital of France?' }] }],
    tools: [{ functionDeclarations: [{ name: 'lookup', parameters: { type: 'OBJECT' } }] }],
    generationConfig: { temperature: 0.2, maxOutputTokens: 64, stopSequences: ['END'], thinkingConfig: { thinkingBudget: 0 } },
  };

  it('a request: contents with the system instruction and tools beside them; generationConfig as parameters', () => {
    expect(interpretRequest('gemini', request)).toEqual({
      input: { contents: request.contents, systemInstruction: request.systemInstruction, tools: request.tools },
      modelParameters: { temperature: 0.2, maxOutputTokens: 64, stopSequences: '["END"]', thinkingConfig: '{"thinkingBudget":0}' },
      stream: false,
    });
    expect(interpretRequest('gemini-stream', { contents: request.contents })).toEqual({ input: request.contents, modelParameters: {}, stream: true });
  });

  it('a response: the text as the assistant turn, function calls, usage with cache and thoughts, model version, finish reason', () => {
    const facts = interpretResponse('gemini', {
      candidates: [{ content: { role: 'model', parts: [{ text: 'thinking…', thought: true }, { text: 'Paris.' }, { functionCall: { name: 'lookup', args: { q: 'Paris' } } }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 3, thoughtsTokenCount: 5, cachedContentTokenCount: 4, totalTokenCount: 20 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'resp-gem-1',
    });
    expect(facts).toEqual({
      output: { role: 'assistant', content: 'Paris.', function_calls: [{ name: 'lookup', args: { q: 'Paris' } }], thoughts: 'thinking…' },
      usage: { input: 12, output: 8, total: 20, input_cached_tokens: 4, output_reasoning_tokens: 5 },
      model: 'gemini-2.5-flash',
      responseId: 'resp-gem-1',
      finishReason: 'STOP',
    });
  });

  it('an error body is an error', () => {
    expect(interpretResponse('gemini', { error: { code: 400, message: 'API key not valid.', status: 'INVALID_ARGUMENT' } }).error?.message).toBe('API key not valid.');
  });

  it('a stream (alt=sse): text concatenated, the last usage, completion start at the first text', () => {
    const body = toSseBody(
      dataFrames(
        { candidates: [{ content: { role: 'model', parts: [{ text: 'Pa' }] } }], modelVersion: 'gemini-2.5-flash' },
        { candidates: [{ content: { role: 'model', parts: [{ text: 'ris.' }] } }], modelVersion: 'gemini-2.5-flash' },
        { candidates: [{ content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 2, totalTokenCount: 9 }, modelVersion: 'gemini-2.5-flash' },
      ),
      '\r\n',
    );
    const facts = interpretSseBody('gemini-stream', body);
    expect(facts).toMatchObject({ output: { role: 'assistant', content: 'Paris.' }, usage: { input: 7, output: 2, total: 9 }, finishReason: 'STOP', model: 'gemini-2.5-flash' });
    // The first event (the one with "Pa") ends at its blank line.
    expect(facts.firstContentOffset).toBe(body.indexOf('\r\n\r\n') + 4);
  });

  it('streamGenerateContent without alt=sse answers a JSON array: read like a stream', () => {
    const facts = interpretResponse('gemini-stream', [
      { candidates: [{ content: { parts: [{ text: 'Pa' }] } }] },
      { candidates: [{ content: { parts: [{ text: 'ris.' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 2, totalTokenCount: 9 } },
    ]);
    expect(facts).toMatchObject({ output: { role: 'assistant', content: 'Paris.' }, usage: { input: 7, output: 2, total: 9 } });
  });

  it('embeddings: the content is the input; a summary of the vectors, never the vectors', () => {
    expect(interpretRequest('gemini-embed', { content: { parts: [{ text: 'embed me' }] } }).input).toEqual({ parts: [{ text: 'embed me' }] });
    expect(interpretResponse('gemini-embed', { embedding: { values: [0.1, 0.2, 0.3] } }).output).toEqual({ embeddings: 1, dimensions: 3 });
    expect(interpretResponse('gemini-embed', { embeddings: [{ values: [0.1, 0.2] }, { values: [0.3, 0.4] }] }).output).toEqual({ embeddings: 2, dimensions: 2 });
  });
});
