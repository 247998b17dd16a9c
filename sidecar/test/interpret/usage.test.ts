import { mapAnthropicUsage, mapOpenAiUsage, readUsageCost } from '../../src/interpret';

describe('mapOpenAiUsage: chat and completions', () => {
  it('plain counts: input, output, total', () => {
    expect(mapOpenAiUsage({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 })).toEqual({ input: 19, output: 10, total: 29 });
  });

  it('cached and reasoning tokens become their own buckets and leave input/output (as Langfuse ingestion does)', () => {
    expect(
      mapOpenAiUsage({
        prompt_tokens: 2006,
        completion_tokens: 300,
        total_tokens: 2306,
        prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      }),
    ).toEqual({ input: 86, input_cached_tokens: 1920, output: 108, output_reasoning_tokens: 192, total: 2306 });
  });

  it('audio tokens are buckets; text/image breakdowns and prediction tokens are not (they overlap)', () => {
    expect(
      mapOpenAiUsage({
        prompt_tokens: 100,
        completion_tokens: 50,
        total_tokens: 150,
        prompt_tokens_details: { cached_tokens: null, audio_tokens: 30, text_tokens: 70, image_tokens: 10 },
        completion_tokens_details: { audio_tokens: 20, text_tokens: 30, accepted_prediction_tokens: 5, rejected_prediction_tokens: 3 },
      }),
    ).toEqual({ input: 70, input_audio_tokens: 30, output: 30, output_audio_tokens: 20, total: 150 });
  });

  it('LiteLLM serving Claude on /chat/completions: cache-inclusive prompt_tokens, cache write as its own bucket', () => {
    expect(
      mapOpenAiUsage({
        prompt_tokens: 3014,
        completion_tokens: 120,
        total_tokens: 3134,
        prompt_tokens_details: { cached_tokens: 2000, cache_creation_tokens: 1000, text_tokens: null, audio_tokens: null, image_tokens: null },
        cache_creation_input_tokens: 1000,
        cache_read_input_tokens: 2000,
      }),
    ).toEqual({ input: 14, input_cached_tokens: 2000, input_cache_creation: 1000, output: 120, total: 3134 });
  });

  it('falls back to the top-level cache counters and splits a one-hour cache write', () => {
    expect(
      mapOpenAiUsage({
        prompt_tokens: 1100,
        completion_tokens: 10,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 900,
        prompt_tokens_details: { cache_creation_token_details: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 900 } },
      }),
    ).toEqual({ input: 100, input_cached_tokens: 100, input_cache_creation_1h: 900, output: 10, total: 1110 });
  });

  it('embeddings usage: prompt tokens only', () => {
    expect(mapOpenAiUsage({ prompt_tokens: 8, total_tokens: 8 })).toEqual({ input: 8, output: 0, total: 8 });
  });

  it('Responses API shape: input_tokens / output_tokens with *_details', () => {
    expect(
      mapOpenAiUsage({ input_tokens: 328, input_tokens_details: { cached_tokens: 128 }, output_tokens: 52, output_tokens_details: { reasoning_tokens: 12 }, total_tokens: 380 }),
    ).toEqual({ input: 200, input_cached_tokens: 128, output: 40, output_reasoning_tokens: 12, total: 380 });
  });

  it('never negative, always whole numbers, absent or bad fields are zero', () => {
    expect(mapOpenAiUsage({ prompt_tokens: 5, completion_tokens: 1.6, prompt_tokens_details: { cached_tokens: 9 } })).toEqual({ input: 0, input_cached_tokens: 9, output: 2, total: 7 });
    expect(mapOpenAiUsage({ prompt_tokens: -3, completion_tokens: 'many', total_tokens: null })).toEqual({ input: 0, output: 0, total: 0 });
  });

  it('no usage object, no usage', () => {
    expect(mapOpenAiUsage(null)).toBeUndefined();
    expect(mapOpenAiUsage({})).toBeUndefined();
    expect(mapOpenAiUsage([1, 2])).toBeUndefined();
    expect(mapOpenAiUsage({ cost: 0.1 })).toBeUndefined();
  });
});

describe('mapAnthropicUsage', () => {
  it('input_tokens excludes the cache counters, so nothing is subtracted and total sums all four', () => {
    expect(
      mapAnthropicUsage({
        input_tokens: 50,
        cache_creation_input_tokens: 248,
        cache_read_input_tokens: 1000,
        cache_creation: { ephemeral_5m_input_tokens: 248, ephemeral_1h_input_tokens: 0 },
        output_tokens: 503,
        service_tier: 'standard',
      }),
    ).toEqual({ input: 50, input_cached_tokens: 1000, input_cache_creation: 248, output: 503, total: 1801 });
  });

  it('splits cache writes by TTL when a one-hour write is reported (priced differently)', () => {
    expect(
      mapAnthropicUsage({ input_tokens: 10, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, output_tokens: 5 }),
    ).toEqual({ input: 10, input_cache_creation_5m: 100, input_cache_creation_1h: 200, output: 5, total: 315 });
    // Without the 5m figure, the rest of the total is the five-minute part.
    expect(mapAnthropicUsage({ input_tokens: 1, cache_creation_input_tokens: 300, cache_creation: { ephemeral_1h_input_tokens: 200 }, output_tokens: 1 })).toMatchObject({
      input_cache_creation_5m: 100,
      input_cache_creation_1h: 200,
    });
  });

  it('zero details stay out; input/output/total stay in', () => {
    expect(mapAnthropicUsage({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 })).toEqual({ input: 0, output: 0, total: 0 });
  });

  it('an OpenAI-shaped usage on the messages route is read as such', () => {
    expect(mapAnthropicUsage({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 })).toEqual({ input: 3, output: 4, total: 7 });
    expect(mapAnthropicUsage(undefined)).toBeUndefined();
  });
});

describe('readUsageCost', () => {
  it('reads usage.cost (LiteLLM include_cost_in_streaming_usage, OpenRouter)', () => {
    expect(readUsageCost({ prompt_tokens: 1, cost: 0.0008902 })).toBe(0.0008902);
    expect(readUsageCost({ cost: 0 })).toBe(0);
  });

  it('ignores absent, negative and non-numeric costs', () => {
    expect(readUsageCost({ prompt_tokens: 1 })).toBeUndefined();
    expect(readUsageCost({ cost: -1 })).toBeUndefined();
    expect(readUsageCost({ cost: '0.1' })).toBeUndefined();
    expect(readUsageCost(null)).toBeUndefined();
  });
});
