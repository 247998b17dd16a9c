import { classifyRoute, readModelFromPath } from '../../src/interpret';

describe('classifyRoute', () => {
  it.each([
    ['/v1/chat/completions', 'chat'],
    ['/chat/completions', 'chat'],
    ['/v1/completions', 'completions'],
    ['/completions', 'completions'],
    ['/v1/embeddings', 'embeddings'],
    ['/embeddings', 'embeddings'],
    ['/v1/responses', 'responses'],
    ['/responses', 'responses'],
    ['/openai/v1/responses', 'responses'],
    ['/v1/messages', 'messages'],
    ['/messages', 'messages'],
    ['/cursor/chat/completions', 'chat'],
    ['/v1/images/generations', 'images'],
    ['/images/edits', 'images'],
    ['/openai/deployments/dall-e-3/images/generations', 'images'],
    ['/v1/audio/speech', 'speech'],
    ['/audio/transcriptions', 'transcriptions'],
    ['/v1/moderations', 'moderations'],
    ['/rerank', 'rerank'],
    ['/v2/rerank', 'rerank'],
  ])('POST %s is %s', (path, route) => {
    expect(classifyRoute('POST', path)).toBe(route);
  });

  it.each([
    ['/openai/deployments/gpt-4o/chat/completions', 'chat'],
    ['/openai/deployments/gpt-35-instruct/completions', 'completions'],
    ['/openai/deployments/text-embedding-3-small/embeddings', 'embeddings'],
    ['/engines/gpt-4o/chat/completions', 'chat'],
    ['/engines/davinci/completions', 'completions'],
    ['/engines/ada/embeddings', 'embeddings'],
    // LiteLLM declares `{model:path}`, so a model name may contain slashes.
    ['/openai/deployments/azure/gpt-4o/chat/completions', 'chat'],
    // Starlette tries chat first; this path only matches the completions route, model "chat".
    ['/engines/chat/completions', 'completions'],
  ])('POST %s (Azure-style / engines) is %s', (path, route) => {
    expect(classifyRoute('POST', path)).toBe(route);
  });

  it('ignores the query string and tolerates a trailing slash', () => {
    expect(classifyRoute('POST', '/v1/chat/completions?api-version=2024-10-21')).toBe('chat');
    expect(classifyRoute('POST', '/v1/chat/completions/')).toBe('chat');
    expect(classifyRoute('POST', '/openai/deployments/gpt-4o/chat/completions/?api-version=1')).toBe('chat');
  });

  it('accepts only POST (any case)', () => {
    expect(classifyRoute('post', '/v1/messages')).toBe('messages');
    for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH']) {
      expect(classifyRoute(method, '/v1/chat/completions')).toBeUndefined();
    }
  });

  it.each([
    '/v1/messages/count_tokens',
    '/v1/responses/resp_123',
    '/v1/responses/resp_123/cancel',
    '/v1/models',
    '/health/liveliness',
    '/key/generate',
    '/V1/CHAT/COMPLETIONS', // Starlette routes are case-sensitive
    '/v1//chat/completions',
    '',
    '/',
  ])('POST %s is not an LLM route', (path) => {
    expect(classifyRoute('POST', path)).toBeUndefined();
  });

  it('never throws on odd input', () => {
    expect(classifyRoute(undefined as unknown as string, '/v1/chat/completions')).toBeUndefined();
    expect(classifyRoute('POST', null as unknown as string)).toBeUndefined();
  });
});

describe('readModelFromPath', () => {
  it('reads the deployment segment, decoded', () => {
    expect(readModelFromPath('/openai/deployments/gpt-4o/chat/completions?api-version=1')).toBe('gpt-4o');
    expect(readModelFromPath('/engines/azure%2Fgpt-4o/embeddings')).toBe('azure/gpt-4o');
    expect(readModelFromPath('/openai/deployments/azure/gpt-4o/chat/completions')).toBe('azure/gpt-4o');
  });

  it('is undefined for plain routes and bad escapes stay raw', () => {
    expect(readModelFromPath('/v1/chat/completions')).toBeUndefined();
    expect(readModelFromPath('/engines/%E0%A4%A/completions')).toBe('%E0%A4%A');
  });
});
