import { applyOpenAiEnvelope } from './envelope';
import type { RequestFacts, ResponseFacts } from './types';
import { asArray, asNumber, asObject, pickModelParameters, type JsonObject } from './values';

/*
 * Rerank (LiteLLM's /rerank, /v1/rerank, /v2/rerank: Cohere's shape, which LiteLLM returns for every provider):
 * a query and documents in, the documents' indexes ranked by relevance out, billed in search units.
 */

// A rerank call may carry hundreds of long documents; the trace keeps enough to read what was ranked.
const MAX_DOCUMENTS = 20;
const MAX_DOCUMENT_CHARS = 1000;

function capDocument(document: unknown): unknown {
  const text = typeof document === 'string' ? document : asObject(document)?.text;
  if (typeof text !== 'string' || text.length <= MAX_DOCUMENT_CHARS) return document;
  return `${text.slice(0, MAX_DOCUMENT_CHARS)}… [${text.length} characters]`;
}

/** The query and the documents (the first 20, each capped at 1,000 characters, and how many there were). */
export function interpretRerankRequest(body: JsonObject): RequestFacts {
  const facts: RequestFacts = { modelParameters: pickModelParameters(body, ['top_n', 'return_documents', 'max_chunks_per_doc', 'rank_fields']), stream: false };
  const documents = asArray(body.documents);
  const input: JsonObject = { query: body.query };
  if (documents !== undefined) {
    input.documents = documents.slice(0, MAX_DOCUMENTS).map(capDocument);
    if (documents.length > MAX_DOCUMENTS) input.documents_total = documents.length;
  }
  facts.input = input;
  return facts;
}

/** The ranking: each result's index and relevance score (and document text when returned), and search units. */
export function interpretRerankJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const results = asArray(body.results);
  if (results !== undefined) {
    facts.output = results.map((item) => {
      const result = asObject(item) ?? {};
      const ranked: JsonObject = { index: result.index, relevance_score: result.relevance_score };
      if (result.document !== undefined) ranked.document = capDocument(result.document);
      return ranked;
    });
  }
  const searchUnits = asNumber(asObject(asObject(body.meta)?.billed_units)?.search_units);
  if (searchUnits !== undefined) facts.usage = { ...facts.usage, search_units: searchUnits };
  return facts;
}
