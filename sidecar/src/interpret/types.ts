/**
 * The LLM routes the sidecar understands well enough to trace: LiteLLM's OpenAI- and Anthropic-format routes, and
 * Google's native Gemini API on LiteLLM's `/gemini` and `/vertex_ai` pass-through (generate, streamed generate, embed).
 */
export type LlmRoute =
  | 'chat'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'messages'
  | 'images'
  | 'speech'
  | 'transcriptions'
  | 'moderations'
  | 'rerank'
  | 'ocr'
  | 'search'
  | 'gemini'
  | 'gemini-stream'
  | 'gemini-embed';

/** One Server-Sent Event, with the byte offset (in the response body) just past its terminating blank line. */
export interface SseEvent {
  event?: string;
  data: string;
  /** Byte offset in the captured body where this event ended; maps the event to the chunk (and arrival time) that completed it. */
  endOffset: number;
}

/** Token counts in Langfuse's usage_details shape: `input`, `output`, `total`, plus detail keys such as `input_cached_tokens`, `output_reasoning_tokens`. */
export type UsageDetails = Record<string, number>;

/** What the request body says about a generation. */
export interface RequestFacts {
  /** The generation input as Langfuse renders it: the messages (and tools) for chat, the prompt for completions, and so on. */
  input?: unknown;
  /** The model the client asked for (the response's model wins when present). */
  model?: string;
  /** Model parameters: temperature, max_tokens, top_p, stop, seed, ... scalar values, or JSON strings for arrays/objects. */
  modelParameters: Record<string, string | number | boolean>;
  stream: boolean;
  /** Generation metadata the request contributes: for the Responses API, `instructions`, `tools` and `previous_response_id`, kept out of the input the way Langfuse's OpenAI integration does. */
  metadata?: Record<string, unknown>;
}

/** An error the upstream reported, in the body or inside a stream. */
export interface UpstreamErrorFacts {
  message: string;
  type?: string;
  code?: string;
  /** The request parameter the error is about, when the upstream names one. */
  param?: string;
}

/** What the response body (JSON or reconstructed SSE stream) says about a generation. */
export interface ResponseFacts {
  /** The assistant output: a message `{role, content, tool_calls?}` for chat, text for completions, etc. */
  output?: unknown;
  model?: string;
  usage?: UsageDetails;
  /** Cost in USD when the body reports it (LiteLLM puts `usage.cost` in the last stream chunk when enabled). */
  costUsd?: number;
  error?: UpstreamErrorFacts;
  /** Finish / stop reason, kept as metadata. */
  finishReason?: string;
  /** The upstream's own response id (chatcmpl-…, resp_…, msg_…). */
  responseId?: string;
  /** For streams: endOffset of the first event that carried generated content (text, tool call, refusal), for completion start time. */
  firstContentOffset?: number;
}
