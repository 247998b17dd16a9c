import { readUpstreamError } from './errors';
import type { ResponseFacts, SseEvent } from './types';
import { mapAnthropicUsage, readUsageCost } from './usage';
import { asArray, asNonEmptyString, asNumber, asObject, asString, isObject, parseJson, type JsonObject } from './values';

/**
 * A content block as recorded: thinking blocks lose their `signature` and redacted thinking its
 * `data` (opaque, provider-encrypted blobs that only inflate the trace); others are kept as sent.
 */
function slimBlock(block: unknown): unknown {
  const obj = asObject(block);
  if (obj === undefined) return block;
  if (obj.type === 'thinking' && obj.signature !== undefined) {
    const { signature: _dropped, ...rest } = obj;
    return rest;
  }
  if (obj.type === 'redacted_thinking') return { type: 'redacted_thinking' };
  return block;
}

/**
 * The assistant message: `{role: "assistant", content}` where content is the text when the reply
 * is a single text block, else the block list (text, tool_use, thinking…), which the Langfuse
 * chat view renders like OpenAI content parts.
 */
function buildOutput(blocks: unknown[]): JsonObject {
  const only = blocks.length === 1 ? asObject(blocks[0]) : undefined;
  if (only !== undefined && only.type === 'text' && typeof only.text === 'string' && only.citations === undefined) {
    return { role: 'assistant', content: only.text };
  }
  return { role: 'assistant', content: blocks.map(slimBlock) };
}

/** Anthropic Messages JSON: content blocks, usage (with cache reads and writes), stop reason. */
export function interpretMessagesJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  const error = readUpstreamError(body);
  if (error !== undefined) facts.error = error;
  const model = asNonEmptyString(body.model);
  if (model !== undefined) facts.model = model;
  const id = asNonEmptyString(body.id);
  if (id !== undefined) facts.responseId = id;
  const usage = mapAnthropicUsage(body.usage);
  if (usage !== undefined) facts.usage = usage;
  const cost = readUsageCost(body.usage);
  if (cost !== undefined) facts.costUsd = cost;
  const content = asArray(body.content);
  if (content !== undefined) facts.output = buildOutput(content);
  const stopReason = asNonEmptyString(body.stop_reason);
  if (stopReason !== undefined) facts.finishReason = stopReason;
  return facts;
}

interface StreamState {
  blocks: Map<number, JsonObject>;
  partialJson: Map<number, string>;
  /** Usage merged across `message_start` and `message_delta` (the latter reports final counts). */
  usage: JsonObject;
}

/** Copies every non-null field of a usage object over the merged one. */
function mergeUsage(target: JsonObject, source: unknown): void {
  const obj = asObject(source);
  if (obj === undefined) return;
  for (const key of Object.keys(obj)) if (obj[key] !== null && obj[key] !== undefined) target[key] = obj[key];
}

/** The block a delta refers to, created from the delta's kind when its start event was not seen. */
function findOrCreateBlock(state: StreamState, index: number, type: string): JsonObject {
  let block = state.blocks.get(index);
  if (block === undefined) {
    block = type === 'text' ? { type, text: '' } : type === 'thinking' ? { type, thinking: '' } : { type };
    state.blocks.set(index, block);
  }
  return block;
}

/** Applies a `content_block_delta`; true when it carried generated content. */
function applyBlockDelta(state: StreamState, event: JsonObject): boolean {
  const index = asNumber(event.index) ?? 0;
  const delta = asObject(event.delta);
  if (delta === undefined) return false;
  switch (delta.type) {
    case 'text_delta': {
      const text = asString(delta.text) ?? '';
      const block = findOrCreateBlock(state, index, 'text');
      block.text = (asString(block.text) ?? '') + text;
      return text !== '';
    }
    case 'thinking_delta': {
      const thinking = asString(delta.thinking) ?? '';
      const block = findOrCreateBlock(state, index, 'thinking');
      block.thinking = (asString(block.thinking) ?? '') + thinking;
      return thinking !== '';
    }
    case 'input_json_delta': {
      const partial = asString(delta.partial_json) ?? '';
      findOrCreateBlock(state, index, 'tool_use');
      state.partialJson.set(index, (state.partialJson.get(index) ?? '') + partial);
      return partial !== '';
    }
    default:
      return false; // signature_delta, citations_delta: nothing a reader needs
  }
}

/** Applies one stream event; true when it carried generated content. */
function applyStreamEvent(state: StreamState, facts: ResponseFacts, event: JsonObject): boolean {
  switch (event.type) {
    case 'message_start': {
      const message = asObject(event.message);
      const model = asNonEmptyString(message?.model);
      if (model !== undefined) facts.model = model;
      const id = asNonEmptyString(message?.id);
      if (id !== undefined) facts.responseId = id;
      mergeUsage(state.usage, message?.usage);
      return false;
    }
    case 'content_block_start': {
      const block = asObject(event.content_block);
      if (block === undefined) return false;
      state.blocks.set(asNumber(event.index) ?? state.blocks.size, block);
      const isCall = block.type === 'tool_use' || block.type === 'server_tool_use';
      return (isCall && asNonEmptyString(block.name) !== undefined) || asNonEmptyString(block.text) !== undefined;
    }
    case 'content_block_delta':
      return applyBlockDelta(state, event);
    case 'message_delta': {
      const reason = asNonEmptyString(asObject(event.delta)?.stop_reason);
      if (reason !== undefined) facts.finishReason = reason;
      mergeUsage(state.usage, event.usage);
      return false;
    }
    default:
      return false; // content_block_stop, message_stop, ping
  }
}

/**
 * Rebuilds an Anthropic Messages reply from its stream: `message_start` (id, model, input usage),
 * content blocks from their start and delta events (text, tool input JSON, thinking),
 * `message_delta` (stop reason, final usage, LiteLLM's `usage.cost`), `error` events. LiteLLM's
 * own stream may omit the `event:` lines, so the `type` inside the data decides.
 */
export function interpretMessagesStream(events: SseEvent[]): ResponseFacts {
  const facts: ResponseFacts = {};
  const state: StreamState = { blocks: new Map(), partialJson: new Map(), usage: {} };
  for (const event of events) {
    const obj = asObject(parseJson(event.data));
    if (obj === undefined) continue;
    if (obj.type === 'error' || isObject(obj.error)) {
      const error = readUpstreamError(obj);
      if (error !== undefined && facts.error === undefined) facts.error = error;
      continue;
    }
    if (applyStreamEvent(state, facts, obj) && facts.firstContentOffset === undefined) facts.firstContentOffset = event.endOffset;
  }
  for (const [index, json] of state.partialJson) {
    const block = state.blocks.get(index);
    if (block !== undefined) block.input = json === '' ? (block.input ?? {}) : (parseJson(json) ?? json);
  }
  if (state.blocks.size > 0) facts.output = buildOutput([...state.blocks.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]));
  const usage = mapAnthropicUsage(state.usage);
  if (usage !== undefined) facts.usage = usage;
  const cost = readUsageCost(state.usage);
  if (cost !== undefined) facts.costUsd = cost;
  return facts;
}
