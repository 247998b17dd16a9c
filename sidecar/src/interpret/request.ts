import { interpretOcrRequest, interpretSearchRequest } from './documents';
import { interpretGeminiEmbedRequest, interpretGeminiRequest } from './gemini';
import { interpretImageRequest, interpretSpeechRequest, interpretTranscriptionRequest } from './media';
import { interpretModerationRequest } from './moderations';
import { interpretRerankRequest } from './rerank';
import type { LlmRoute, RequestFacts } from './types';
import { asArray, asNonEmptyString, asObject, pickModelParameters, type JsonObject } from './values';

/**
 * Request keys recorded as model parameters: OpenAI chat/completions/Responses, Anthropic
 * Messages and embeddings sampling and output controls. Identity (`user`, `metadata`) and
 * content (`messages`, `tools`, …) are not parameters; they are read elsewhere.
 */
const MODEL_PARAMETER_KEYS = [
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'frequency_penalty',
  'presence_penalty',
  'stop',
  'stop_sequences',
  'seed',
  'n',
  'best_of',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'response_format',
  'text',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'reasoning',
  'thinking',
  'verbosity',
  'modalities',
  'service_tier',
  'truncation',
  'store',
  'background',
  'stream',
  'dimensions',
  'encoding_format',
] as const;

/** Scalars as they are; arrays and objects as JSON text (Langfuse model parameters are flat). */
function readModelParameters(body: JsonObject): Record<string, string | number | boolean> {
  return pickModelParameters(body, MODEL_PARAMETER_KEYS);
}

/**
 * Chat input the way Langfuse's Python OpenAI integration renders it (langfuse/openai.py
 * `_extract_chat_prompt`): the messages array alone, or `{messages, tools, functions,
 * function_call}` when the call offers tools, so the Langfuse UI shows both. Cursor's
 * `/cursor/chat/completions` sends Responses-style `input` instead of `messages`.
 */
function readChatInput(body: JsonObject): unknown {
  const messages = body.messages ?? body.input;
  const hasTools = body.tools !== undefined || body.functions !== undefined;
  if (!hasTools) return messages;
  const input: JsonObject = { messages };
  if (body.tools !== undefined) input.tools = body.tools;
  if (body.functions !== undefined) input.functions = body.functions;
  if (body.function_call !== undefined) input.function_call = body.function_call;
  return input;
}

/**
 * Anthropic Messages input in the same chat shape: `system` (a string or text blocks) becomes a
 * leading system message, so the Langfuse chat view shows it in place, and tools join as above.
 */
function readMessagesInput(body: JsonObject): unknown {
  const system = body.system;
  let messages = body.messages;
  if (system !== undefined && system !== null && system !== '') {
    const rest = asArray(messages) ?? (messages === undefined ? [] : [messages]);
    messages = [{ role: 'system', content: system }, ...rest];
  }
  if (body.tools === undefined) return messages;
  return { messages, tools: body.tools };
}

/**
 * Generation metadata that comes from a Responses API request. Langfuse's OpenAI integrations
 * record `input` alone as the input and keep `instructions` and `tools` in metadata
 * (langfuse-js packages/openai parseModelDataFromResponse; langfuse-python openai.py), so do we.
 */
function readResponsesMetadata(body: JsonObject): Record<string, unknown> | undefined {
  let metadata: Record<string, unknown> | undefined;
  for (const key of ['instructions', 'tools', 'previous_response_id'] as const) {
    const value = body[key];
    if (value === undefined || value === null || value === '') continue;
    metadata ??= {};
    metadata[key] = value;
  }
  return metadata;
}

/** What a request body says about the generation: input, model, parameters, streaming. Never throws. */
export function interpretRequest(route: LlmRoute, body: unknown): RequestFacts {
  const obj = asObject(body);
  if (obj === undefined) return { modelParameters: {}, stream: false };
  try {
    return readRequestFacts(route, obj);
  } catch {
    // Every access is guarded; this only catches what a JSON body cannot produce (getters, proxies).
    return { modelParameters: {}, stream: false };
  }
}

/**
 * Families with a request shape of their own (media, rerank, OCR, search, Google's native API): their reader
 * builds the facts, instead of the chat-style parameters and input that would be computed only to be dropped.
 */
const FAMILY_READERS: Partial<Record<LlmRoute, (body: JsonObject) => RequestFacts>> = {
  gemini: (body) => interpretGeminiRequest(body, false),
  'gemini-stream': (body) => interpretGeminiRequest(body, true),
  'gemini-embed': interpretGeminiEmbedRequest,
  images: interpretImageRequest,
  speech: interpretSpeechRequest,
  transcriptions: interpretTranscriptionRequest,
  moderations: interpretModerationRequest,
  rerank: interpretRerankRequest,
  ocr: interpretOcrRequest,
  search: interpretSearchRequest,
};

/** The facts of a request body known to be an object. */
function readRequestFacts(route: LlmRoute, obj: JsonObject): RequestFacts {
  const model = asNonEmptyString(obj.model);
  const family = FAMILY_READERS[route];
  if (family !== undefined) {
    const facts = family(obj);
    // The model the body names, unless the family's reader found its own (a search tool's name).
    if (facts.model === undefined && model !== undefined) facts.model = model;
    return facts;
  }
  const facts: RequestFacts = { modelParameters: readModelParameters(obj), stream: obj.stream === true };
  if (model !== undefined) facts.model = model;
  let input: unknown;
  switch (route) {
    case 'chat':
      input = readChatInput(obj);
      break;
    case 'completions':
      input = obj.prompt;
      break;
    case 'embeddings':
      input = obj.input;
      break;
    case 'responses': {
      input = obj.input;
      const metadata = readResponsesMetadata(obj);
      if (metadata !== undefined) facts.metadata = metadata;
      break;
    }
    case 'messages':
      input = readMessagesInput(obj);
      break;
    default:
      input = undefined;
  }
  if (input !== undefined) facts.input = input;
  return facts;
}
