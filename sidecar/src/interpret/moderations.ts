import { applyOpenAiEnvelope } from './envelope';
import type { RequestFacts, ResponseFacts } from './types';
import { asArray, asObject, type JsonObject } from './values';

/** A moderation request (LiteLLM's /v1/moderations, OpenAI's shape): the text or parts checked are the input. */
export function interpretModerationRequest(body: JsonObject): RequestFacts {
  return { modelParameters: {}, stream: false, input: body.input };
}

/**
 * A moderation result, as a guardrail reads: flagged or not, and for each input the categories that fired with
 * their scores (the full score table stays in the response; a reviewer filters on what was flagged).
 */
export function interpretModerationJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const results = asArray(body.results);
  if (results === undefined) return facts;
  let flagged = false;
  const summaries = results.map((item) => {
    const result = asObject(item) ?? {};
    const categories = asObject(result.categories) ?? {};
    const scores = asObject(result.category_scores) ?? {};
    const fired: JsonObject = {};
    for (const key of Object.keys(categories)) if (categories[key] === true) fired[key] = scores[key] ?? true;
    if (result.flagged === true) flagged = true;
    return { flagged: result.flagged === true, categories: fired };
  });
  facts.output = { flagged, results: summaries };
  return facts;
}
