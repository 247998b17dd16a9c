import { applyOpenAiEnvelope } from './envelope';
import type { ResponseFacts } from './types';
import { asArray, asObject, type JsonObject } from './values';

/** Vector length of one embedding: a float array, or base64 float32 bytes (`encoding_format: "base64"`). */
function readDimensions(embedding: unknown): number | undefined {
  if (Array.isArray(embedding)) return embedding.length;
  if (typeof embedding !== 'string') return undefined;
  let padding = 0;
  if (embedding.endsWith('==')) padding = 2;
  else if (embedding.endsWith('=')) padding = 1;
  return Math.floor(((embedding.length * 3) / 4 - padding) / 4);
}

/**
 * Embeddings JSON: the output is a summary, `{embeddings, dimensions}`, never the vectors
 * (they are large and tell a reader nothing); usage is the prompt tokens.
 */
export function interpretEmbeddingsJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const data = asArray(body.data);
  if (data !== undefined) {
    const summary: Record<string, number> = { embeddings: data.length };
    const dimensions = readDimensions(asObject(data[0])?.embedding);
    if (dimensions !== undefined) summary.dimensions = dimensions;
    facts.output = summary;
  }
  return facts;
}
