import { interpretResponse, interpretStream } from '../../src/interpret';

describe('embeddings', () => {
  it('summarises the vectors (count and dimensions), never copies them', () => {
    const vector = Array.from({ length: 1536 }, (_, i) => i / 1536);
    const facts = interpretResponse('embeddings', {
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: vector },
        { object: 'embedding', index: 1, embedding: vector },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 8, total_tokens: 8 },
    });
    expect(facts).toEqual({
      output: { embeddings: 2, dimensions: 1536 },
      model: 'text-embedding-3-small',
      usage: { input: 8, output: 0, total: 8 },
    });
    expect(JSON.stringify(facts).length).toBeLessThan(200);
  });

  it('derives dimensions from base64 float32 vectors', () => {
    const floats = new Float32Array(256).fill(0.5);
    const b64 = Buffer.from(floats.buffer).toString('base64');
    const facts = interpretResponse('embeddings', { object: 'list', data: [{ object: 'embedding', index: 0, embedding: b64 }], model: 'text-embedding-3-large', usage: { prompt_tokens: 2, total_tokens: 2 } });
    expect(facts.output).toEqual({ embeddings: 1, dimensions: 256 });
    const odd = Buffer.from(new Float32Array(3).buffer).toString('base64'); // 12 bytes: no padding
    expect(interpretResponse('embeddings', { data: [{ embedding: odd }] }).output).toEqual({ embeddings: 1, dimensions: 3 });
  });

  it('an empty list has no dimensions', () => {
    expect(interpretResponse('embeddings', { object: 'list', data: [], model: 'm' }).output).toEqual({ embeddings: 0 });
  });

  it('an error body is the error', () => {
    expect(interpretResponse('embeddings', { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', param: 'input', code: null } })).toEqual({
      error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', param: 'input' },
    });
  });

  it('a stream on the embeddings route still surfaces an error event', () => {
    expect(interpretStream('embeddings', [{ data: '{"error":{"message":"boom"}}', endOffset: 30 }])).toEqual({ error: { message: 'boom' } });
  });
});
