import { readUpstreamError } from './errors';
import type { ResponseFacts } from './types';
import { mapOpenAiUsage, readUsageCost } from './usage';
import { asNonEmptyString, type JsonObject } from './values';

/**
 * Copies the fields every OpenAI-style body (or stream chunk) may carry into the facts:
 * `model` and `id` (first one seen wins, as chunks repeat them), `usage` and `usage.cost`
 * (a later usage object replaces an earlier one: the final chunk carries the totals),
 * and an error (the first one wins: later errors are usually consequences).
 */
export function applyOpenAiEnvelope(facts: ResponseFacts, obj: JsonObject): void {
  if (facts.model === undefined) {
    const model = asNonEmptyString(obj.model);
    if (model !== undefined) facts.model = model;
  }
  if (facts.responseId === undefined) {
    const id = asNonEmptyString(obj.id);
    if (id !== undefined) facts.responseId = id;
  }
  const usage = mapOpenAiUsage(obj.usage);
  if (usage !== undefined) facts.usage = usage;
  const cost = readUsageCost(obj.usage);
  if (cost !== undefined) facts.costUsd = cost;
  if (facts.error === undefined) {
    const error = readUpstreamError(obj);
    if (error !== undefined) facts.error = error;
  }
}
