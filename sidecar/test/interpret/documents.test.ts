import { classifyRoute, interpretRequest, interpretResponse, readModelFromPath } from '../../src/interpret';

// OCR in the Mistral format and search in the Perplexity format, which LiteLLM standardises every provider to
// (litellm/llms/base_llm/ocr and search/transformation.py).

describe('OCR and search routes', () => {
  it.each([
    ['/v1/ocr', 'ocr', undefined],
    ['/ocr', 'ocr', undefined],
    ['/v1/search', 'search', undefined],
    ['/v1/search/perplexity-search', 'search', 'perplexity-search'],
    ['/search/tavily', 'search', 'tavily'],
  ])('POST %s is %s', (path, route, model) => {
    expect(classifyRoute('POST', path)).toBe(route);
    expect(readModelFromPath(path)).toBe(model);
  });

  it('the search tool list is not a search', () => {
    expect(classifyRoute('POST', '/v1/search/tools')).toBeUndefined();
    expect(classifyRoute('POST', '/v1/search/a/b')).toBeUndefined();
  });
});

describe('OpenAI-format pass-through (/openai, /vllm, /mistral, /cohere, … then an OpenAI route)', () => {
  it.each([
    ['/openai/v1/chat/completions', 'chat'],
    ['/vllm/v1/completions', 'completions'],
    ['/openrouter/v1/chat/completions', 'chat'],
    ['/azure/v1/embeddings', 'embeddings'],
    ['/mistral/v1/ocr', 'ocr'],
    ['/cohere/v2/rerank', 'rerank'],
    ['/openai/v1/images/generations', 'images'],
  ])('POST %s is %s', (path, route) => {
    expect(classifyRoute('POST', path)).toBe(route);
  });

  it.each(['/openai/v1/files', '/openai/v1/batches', '/vllm/health', '/cohere/v1/models'])('POST %s is not traced', (path) => {
    expect(classifyRoute('POST', path)).toBeUndefined();
  });
});

describe('OCR', () => {
  it('a linked document is kept; an inline one summarised by type and size', () => {
    expect(interpretRequest('ocr', { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: 'https://example.com/a.pdf' }, include_image_base64: false })).toEqual({
      model: 'mistral-ocr-latest',
      input: { type: 'document_url', document_url: 'https://example.com/a.pdf' },
      modelParameters: { include_image_base64: false },
      stream: false,
    });
    const inline = `data:application/pdf;base64,${Buffer.alloc(3000).toString('base64')}`;
    expect(interpretRequest('ocr', { model: 'mistral-ocr-latest', document: { type: 'document_url', document_url: inline } }).input).toEqual({ type: 'document_url', document_url: { inline: 'application/pdf;base64', bytes: 3000 } });
  });

  it('the pages\' markdown joined, the page count, pages processed as usage; page images left out', () => {
    const facts = interpretResponse('ocr', {
      model: 'mistral-ocr-2505',
      pages: [{ index: 0, markdown: '# Title', images: [{ image_base64: 'AAAA' }] }, { index: 1, markdown: 'Body text.' }],
      usage_info: { pages_processed: 2, doc_size_bytes: 12345 },
    });
    expect(facts).toEqual({ model: 'mistral-ocr-2505', output: { pages: 2, text: '# Title\n\nBody text.' }, usage: { pages: 2 } });
  });
});

describe('search', () => {
  it('the query as input, the tool as model; results with title, url, date and a capped snippet', () => {
    expect(interpretRequest('search', { search_tool_name: 'perplexity-search', query: 'sky colour', max_results: 3 })).toEqual({ model: 'perplexity-search', input: 'sky colour', modelParameters: { max_results: 3 }, stream: false });
    const facts = interpretResponse('search', { object: 'search', results: [{ title: 'Why is the sky blue?', url: 'https://example.com/sky', snippet: 's'.repeat(1200), date: '2026-01-01' }] });
    expect(facts.output).toEqual([{ title: 'Why is the sky blue?', url: 'https://example.com/sky', date: '2026-01-01', snippet: `${'s'.repeat(1000)}…` }]);
  });
});
