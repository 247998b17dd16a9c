import { readUpstreamError } from './errors';
import type { RequestFacts, ResponseFacts, SseEvent, UsageDetails } from './types';
import { asArray, asNonEmptyString, asNumber, asObject, parseJson, pickModelParameters, type JsonObject } from './values';

/*
 * Google's native Gemini API as LiteLLM passes it through (`/gemini/{version}/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`, and the Vertex AI publisher paths): request `contents` of `parts`, a
 * `generationConfig`, responses with `candidates` and `usageMetadata`. Field names from Google's API reference
 * (GenerateContentRequest, GenerateContentResponse, UsageMetadata).
 */

/** generationConfig members recorded as model parameters (scalars as they are, the rest as JSON text). */
const GENERATION_PARAMETERS = ['temperature', 'topP', 'topK', 'maxOutputTokens', 'candidateCount', 'stopSequences', 'seed', 'presencePenalty', 'frequencyPenalty', 'responseMimeType', 'thinkingConfig'];

/** A generateContent request: the contents, with the system instruction and tools beside them when present. */
export function interpretGeminiRequest(body: JsonObject, stream: boolean): RequestFacts {
  const facts: RequestFacts = { modelParameters: pickModelParameters(asObject(body.generationConfig) ?? {}, GENERATION_PARAMETERS), stream };
  const system = body.systemInstruction ?? body.system_instruction;
  if (system === undefined && body.tools === undefined) facts.input = body.contents;
  else {
    const input: JsonObject = { contents: body.contents };
    if (system !== undefined) input.systemInstruction = system;
    if (body.tools !== undefined) input.tools = body.tools;
    facts.input = input;
  }
  return facts;
}

/** An embedContent / batchEmbedContents request: the content (or the requests) is the input. */
export function interpretGeminiEmbedRequest(body: JsonObject): RequestFacts {
  return { modelParameters: {}, stream: false, input: body.content ?? body.requests };
}

/** Gemini usageMetadata in Langfuse's usage keys; thoughts are output tokens, as Google bills them. */
export function mapGeminiUsage(value: unknown): UsageDetails | undefined {
  const raw = asObject(value);
  if (raw === undefined) return undefined;
  const prompt = asNumber(raw.promptTokenCount);
  const candidates = asNumber(raw.candidatesTokenCount) ?? 0;
  const thoughts = asNumber(raw.thoughtsTokenCount) ?? 0;
  if (prompt === undefined && raw.candidatesTokenCount === undefined) return undefined;
  const usage: UsageDetails = { input: prompt ?? 0, output: candidates + thoughts, total: asNumber(raw.totalTokenCount) ?? (prompt ?? 0) + candidates + thoughts };
  const cached = asNumber(raw.cachedContentTokenCount);
  if (cached !== undefined && cached > 0) usage.input_cached_tokens = cached;
  if (thoughts > 0) usage.output_reasoning_tokens = thoughts;
  return usage;
}

/** What a stream or a response so far has produced: text, function calls, and the last of the scalars. */
interface GeminiAccumulator {
  text: string;
  thoughts: string;
  functionCalls: unknown[];
  facts: ResponseFacts;
}

/** Adds one GenerateContentResponse (a whole response, or one stream chunk) to the accumulator; true when it carried content. */
function addChunk(acc: GeminiAccumulator, chunk: JsonObject): boolean {
  const error = readUpstreamError(chunk);
  if (error !== undefined) acc.facts.error = error;
  const model = asNonEmptyString(chunk.modelVersion);
  if (model !== undefined) acc.facts.model = model;
  const id = asNonEmptyString(chunk.responseId);
  if (id !== undefined) acc.facts.responseId = id;
  const usage = mapGeminiUsage(chunk.usageMetadata);
  if (usage !== undefined) acc.facts.usage = usage;
  const candidate = asObject(asArray(chunk.candidates)?.[0]);
  if (candidate === undefined) return false;
  const finish = asNonEmptyString(candidate.finishReason);
  if (finish !== undefined) acc.facts.finishReason = finish;
  let content = false;
  for (const part of asArray(asObject(candidate.content)?.parts) ?? []) {
    const obj = asObject(part);
    if (obj === undefined) continue;
    if (typeof obj.text === 'string') {
      if (obj.thought === true) acc.thoughts += obj.text;
      else acc.text += obj.text;
      content = true;
    } else if (obj.functionCall !== undefined) {
      acc.functionCalls.push(obj.functionCall);
      content = true;
    }
  }
  return content;
}

/** The model's turn as Langfuse's chat view shows it: the text, with function calls and thoughts when there were any. */
function finish(acc: GeminiAccumulator): ResponseFacts {
  if (acc.text !== '' || acc.functionCalls.length > 0 || acc.thoughts !== '') {
    const output: JsonObject = { role: 'assistant', content: acc.text };
    if (acc.functionCalls.length > 0) output.function_calls = acc.functionCalls;
    if (acc.thoughts !== '') output.thoughts = acc.thoughts;
    acc.facts.output = output;
  }
  return acc.facts;
}

const newAccumulator = (): GeminiAccumulator => ({ text: '', thoughts: '', functionCalls: [], facts: {} });

/** A generateContent JSON response, or the JSON array streamGenerateContent answers without `alt=sse`. */
export function interpretGeminiJson(body: unknown): ResponseFacts {
  const acc = newAccumulator();
  const chunks = Array.isArray(body) ? body : [body];
  for (const chunk of chunks) {
    const obj = asObject(chunk);
    if (obj !== undefined) addChunk(acc, obj);
  }
  return finish(acc);
}

/** streamGenerateContent with `alt=sse`: each event is a GenerateContentResponse; text is concatenated. */
export function interpretGeminiStream(events: SseEvent[]): ResponseFacts {
  const acc = newAccumulator();
  for (const event of events) {
    const obj = asObject(parseJson(event.data));
    if (obj === undefined) continue;
    if (addChunk(acc, obj) && acc.facts.firstContentOffset === undefined) acc.facts.firstContentOffset = event.endOffset;
  }
  return finish(acc);
}

/** embedContent / batchEmbedContents: a summary of the vectors, never the vectors. */
export function interpretGeminiEmbedJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  const error = readUpstreamError(body);
  if (error !== undefined) facts.error = error;
  const embeddings = asArray(body.embeddings) ?? (body.embedding !== undefined ? [body.embedding] : undefined);
  if (embeddings !== undefined) {
    const summary: Record<string, number> = { embeddings: embeddings.length };
    const values = asArray(asObject(embeddings[0])?.values);
    if (values !== undefined) summary.dimensions = values.length;
    facts.output = summary;
  }
  return facts;
}
