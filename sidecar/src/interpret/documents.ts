import { applyOpenAiEnvelope } from './envelope';
import type { RequestFacts, ResponseFacts } from './types';
import { asArray, asNonEmptyString, asNumber, asObject, pickModelParameters, type JsonObject } from './values';

/*
 * OCR (LiteLLM's /v1/ocr, standardised on Mistral's OCR format for every provider: `pages` of `markdown`,
 * `usage_info`) and search (/v1/search/{search_tool_name}, standardised on Perplexity's: `results` of title, url,
 * snippet), per litellm/llms/base_llm/{ocr,search}/transformation.py. The text found is the output; page images
 * and inline documents are summarised.
 */

// OCR text beyond this is cut in the trace (a long PDF's markdown can run to megabytes).
const MAX_OCR_CHARS = 64 * 1024;
const MAX_SEARCH_RESULTS = 20;
const MAX_SNIPPET_CHARS = 1000;

/** A document given inline as a `data:` URL is summarised by type and size; a link is kept. */
function summarizeDocumentUrl(url: unknown): unknown {
  if (typeof url !== 'string' || !url.startsWith('data:')) return url;
  const comma = url.indexOf(',');
  const base64 = url.slice(comma + 1);
  return { inline: url.slice(5, comma), bytes: Math.floor((base64.length * 3) / 4) };
}

/** The document to read (a link, or an inline document's type and size), and the pages asked for. */
export function interpretOcrRequest(body: JsonObject): RequestFacts {
  const document = asObject(body.document) ?? {};
  const input: JsonObject = { type: document.type };
  for (const key of ['document_url', 'image_url', 'document_name']) if (document[key] !== undefined) input[key] = summarizeDocumentUrl(document[key]);
  return { modelParameters: pickModelParameters(body, ['pages', 'include_image_base64']), stream: false, input };
}

/** The pages' markdown, joined (capped), the page count, and pages processed as usage. */
export function interpretOcrJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const pages = asArray(body.pages);
  if (pages !== undefined) {
    let text = pages.map((page) => (typeof asObject(page)?.markdown === 'string' ? (asObject(page)?.markdown as string) : '')).join('\n\n');
    if (text.length > MAX_OCR_CHARS) text = `${text.slice(0, MAX_OCR_CHARS)}… [${text.length} characters]`;
    facts.output = { pages: pages.length, text };
  }
  const processed = asNumber(asObject(body.usage_info)?.pages_processed);
  if (processed !== undefined) facts.usage = { pages: processed };
  return facts;
}

/** The query and its filters. */
export function interpretSearchRequest(body: JsonObject): RequestFacts {
  const facts: RequestFacts = { modelParameters: pickModelParameters(body, ['max_results', 'search_domain_filter', 'country', 'max_tokens_per_page']), stream: false, input: body.query };
  // LiteLLM names the tool in the body too; it is what a reviewer knows the call by.
  const tool = asNonEmptyString(body.search_tool_name);
  if (tool !== undefined) facts.model = tool;
  return facts;
}

/** The results found: title, url, date and the snippet (the first 20 results, snippets capped). */
export function interpretSearchJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const results = asArray(body.results);
  if (results !== undefined) {
    facts.output = results.slice(0, MAX_SEARCH_RESULTS).map((item) => {
      const result = asObject(item) ?? {};
      const snippet = typeof result.snippet === 'string' && result.snippet.length > MAX_SNIPPET_CHARS ? `${result.snippet.slice(0, MAX_SNIPPET_CHARS)}…` : result.snippet;
      return { title: result.title, url: result.url, date: result.date, snippet };
    });
  }
  return facts;
}
