import type { UsageDetails } from './types';
import { asNumber, asObject, type JsonObject } from './values';

/*
 * Token counts in Langfuse's `usage_details` shape.
 *
 * Langfuse stores a flat usage map as sent and prices every key that has a price in the matched
 * model, so the buckets must not overlap: `input` is what is left of the prompt after the detail
 * buckets, `output` likewise. That is what Langfuse's own ingestion does with an OpenAI-shaped
 * usage object (packages/shared/src/server/ingestion/types.ts, OpenAICompletionUsageSchema and
 * OpenAIResponseUsageSchema: `input_<key>` details, each subtracted from `input`), and what
 * langfuse-js `packages/openai` parseUsageDetails does before sending.
 *
 * Unlike those, only the details that are billed as their own bucket are kept and subtracted:
 * `text_tokens` and `image_tokens` are modality breakdowns that overlap the rest (subtracting
 * `text_tokens` zeroes `input`, a known Langfuse ingestion bug), and accepted/rejected prediction
 * tokens are billed as plain output. Key names are the ones Langfuse's default model prices use
 * (langfuse .agents/skills/add-model-price/references/provider-usage-key-matrix.md):
 * - cache reads → `input_cached_tokens` (the alias priced for OpenAI, Anthropic and Gemini alike);
 * - cache writes → `input_cache_creation`, or `input_cache_creation_5m` / `input_cache_creation_1h`
 *   when a one-hour write is reported, since Anthropic prices the two TTLs differently;
 * - reasoning → `output_reasoning_tokens`; audio → `input_audio_tokens` / `output_audio_tokens`.
 * `input`, `output` and `total` are always present; other keys only when above zero.
 */

/** A token count: a finite number, rounded (Langfuse rejects non-integers), never negative. */
function readCount(value: unknown): number | undefined {
  const n = asNumber(value);
  return n === undefined || n < 0 ? undefined : Math.round(n);
}

/** Adds a detail key when its count is above zero; returns the count added. */
function addDetail(usage: UsageDetails, key: string, value: unknown): number {
  const n = readCount(value);
  if (n === undefined || n === 0) return 0;
  usage[key] = n;
  return n;
}

/** Adds cache-write tokens, split by TTL when the breakdown shows a one-hour write. */
function addCacheCreation(usage: UsageDetails, total: unknown, breakdown: unknown): number {
  const ttl = asObject(breakdown);
  const oneHour = readCount(ttl?.ephemeral_1h_input_tokens) ?? 0;
  if (oneHour > 0) {
    const fiveMinutes = readCount(ttl?.ephemeral_5m_input_tokens) ?? Math.max((readCount(total) ?? 0) - oneHour, 0);
    return addDetail(usage, 'input_cache_creation_5m', fiveMinutes) + addDetail(usage, 'input_cache_creation_1h', oneHour);
  }
  return addDetail(usage, 'input_cache_creation', total);
}

/** Fills input/output/total from the raw totals minus the detail buckets already added. */
function fillTotals(usage: UsageDetails, input: number, inputDetails: number, output: number, outputDetails: number, total: number | undefined): UsageDetails {
  usage.input = Math.max(input - inputDetails, 0);
  usage.output = Math.max(output - outputDetails, 0);
  usage.total = total ?? input + output;
  return usage;
}

/**
 * Chat/completions/embeddings usage: `prompt_tokens` (cache-inclusive), `completion_tokens`,
 * `*_tokens_details`. LiteLLM serving Anthropic models through this shape adds the cache write as
 * `prompt_tokens_details.cache_creation_tokens` and top-level `cache_creation_input_tokens`, and
 * counts it in `prompt_tokens` (litellm/llms/anthropic/chat/transformation.py calculate_usage).
 */
function mapPromptCompletionUsage(raw: JsonObject): UsageDetails {
  const promptDetails = asObject(raw.prompt_tokens_details);
  const completionDetails = asObject(raw.completion_tokens_details);
  const usage: UsageDetails = {};
  const inputDetails =
    addDetail(usage, 'input_cached_tokens', promptDetails?.cached_tokens ?? raw.cache_read_input_tokens) +
    addCacheCreation(usage, promptDetails?.cache_creation_tokens ?? raw.cache_creation_input_tokens, promptDetails?.cache_creation_token_details) +
    addDetail(usage, 'input_audio_tokens', promptDetails?.audio_tokens);
  const outputDetails =
    addDetail(usage, 'output_reasoning_tokens', completionDetails?.reasoning_tokens) +
    addDetail(usage, 'output_audio_tokens', completionDetails?.audio_tokens);
  return fillTotals(usage, readCount(raw.prompt_tokens) ?? 0, inputDetails, readCount(raw.completion_tokens) ?? 0, outputDetails, readCount(raw.total_tokens));
}

/** Responses API usage: `input_tokens` (cache-inclusive), `output_tokens`, `*_tokens_details`. */
function mapInputOutputUsage(raw: JsonObject): UsageDetails {
  const inputDetails = asObject(raw.input_tokens_details);
  const outputDetails = asObject(raw.output_tokens_details);
  const usage: UsageDetails = {};
  const inputSub =
    addDetail(usage, 'input_cached_tokens', inputDetails?.cached_tokens) +
    addDetail(usage, 'input_audio_tokens', inputDetails?.audio_tokens);
  const outputSub =
    addDetail(usage, 'output_reasoning_tokens', outputDetails?.reasoning_tokens) +
    addDetail(usage, 'output_audio_tokens', outputDetails?.audio_tokens);
  return fillTotals(usage, readCount(raw.input_tokens) ?? 0, inputSub, readCount(raw.output_tokens) ?? 0, outputSub, readCount(raw.total_tokens));
}

/** Maps an OpenAI-style usage object (chat, completions, embeddings or Responses shape). */
export function mapOpenAiUsage(value: unknown): UsageDetails | undefined {
  const raw = asObject(value);
  if (raw === undefined) return undefined;
  if (raw.prompt_tokens !== undefined || raw.completion_tokens !== undefined) return mapPromptCompletionUsage(raw);
  if (raw.input_tokens !== undefined || raw.output_tokens !== undefined) return mapInputOutputUsage(raw);
  return undefined;
}

/**
 * Maps Anthropic Messages usage. There `input_tokens` already excludes cache reads and writes
 * (they are separate counters), so nothing is subtracted and the total is the sum of all four.
 */
export function mapAnthropicUsage(value: unknown): UsageDetails | undefined {
  const raw = asObject(value);
  if (raw === undefined) return undefined;
  if (raw.input_tokens === undefined && raw.output_tokens === undefined) return mapOpenAiUsage(raw);
  const usage: UsageDetails = {};
  const cached = addDetail(usage, 'input_cached_tokens', raw.cache_read_input_tokens);
  const created = addCacheCreation(usage, raw.cache_creation_input_tokens, raw.cache_creation);
  const input = readCount(raw.input_tokens) ?? 0;
  const output = readCount(raw.output_tokens) ?? 0;
  usage.input = input;
  usage.output = output;
  usage.total = input + cached + created + output;
  return usage;
}

/**
 * The cost in USD a usage object carries: LiteLLM adds `usage.cost` to the last stream chunk
 * (chat, and Anthropic `message_delta`) when `include_cost_in_streaming_usage` is on
 * (litellm/proxy/common_request_processing.py `_inject_cost_into_usage_dict`); OpenRouter-style
 * upstreams put it in JSON bodies too.
 */
export function readUsageCost(value: unknown): number | undefined {
  const cost = asNumber(asObject(value)?.cost);
  return cost === undefined || cost < 0 ? undefined : cost;
}
