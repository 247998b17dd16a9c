import { readUpstreamError } from './errors';
import type { ResponseFacts, SseEvent } from './types';
import { mapOpenAiUsage, readUsageCost } from './usage';
import { asArray, asNonEmptyString, asNumber, asObject, asString, parseJson, type JsonObject } from './values';

/**
 * Output items as Langfuse's OpenAI integrations record a Responses API result (langfuse-python
 * openai.py, langfuse-js parseCompletionOutput): the `output` list, or its only item. Reasoning
 * items lose `encrypted_content`, an opaque blob that only inflates the trace.
 */
function readOutputItems(value: unknown): unknown {
  const items = asArray(value);
  if (items === undefined) return undefined;
  const slim = items.map((item) => {
    const obj = asObject(item);
    if (obj === undefined || obj.encrypted_content === undefined) return item;
    const { encrypted_content: _dropped, ...rest } = obj;
    return rest;
  });
  if (slim.length === 0) return undefined;
  return slim.length === 1 ? slim[0] : slim;
}

/** Copies a Responses object (JSON body, or the `response` of a terminal stream event) into the facts; it wins over earlier values. */
function applyResponseObject(facts: ResponseFacts, response: JsonObject): void {
  const model = asNonEmptyString(response.model);
  if (model !== undefined) facts.model = model;
  const id = asNonEmptyString(response.id);
  if (id !== undefined) facts.responseId = id;
  const usage = mapOpenAiUsage(response.usage);
  if (usage !== undefined) facts.usage = usage;
  const cost = readUsageCost(response.usage);
  if (cost !== undefined) facts.costUsd = cost;
  const output = readOutputItems(response.output);
  if (output !== undefined) facts.output = output;
  const reason = asNonEmptyString(asObject(response.incomplete_details)?.reason) ?? asNonEmptyString(response.status);
  if (reason !== undefined) facts.finishReason = reason;
  if (facts.error === undefined) {
    const error = readUpstreamError(response);
    if (error !== undefined) facts.error = error;
  }
}

/** Responses API JSON body: output items, usage (cached and reasoning tokens), status. */
export function interpretResponsesJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyResponseObject(facts, body);
  return facts;
}

/** Appends streamed text to `item[listKey][index][field]`, creating the part when it is missing. */
function appendToPart(item: JsonObject, listKey: string, index: number, partType: string, field: string, text: string): void {
  let list = asArray(item[listKey]);
  if (list === undefined) {
    list = [];
    item[listKey] = list;
  }
  let part = asObject(list[index]);
  if (part === undefined) {
    part = { type: partType, [field]: '' };
    if (index >= 0 && index < 1024) list[index] = part;
    else list.push(part);
  }
  part[field] = (asString(part[field]) ?? '') + text;
}

/** The output item a delta event refers to, created as a bare item of `type` when its `added` event was not seen. */
function findOrCreateItem(items: Map<number, JsonObject>, event: JsonObject, type: string): JsonObject {
  const index = asNumber(event.output_index) ?? 0;
  let item = items.get(index);
  if (item === undefined) {
    item = type === 'message' ? { type, role: 'assistant', content: [] } : { type };
    items.set(index, item);
  }
  return item;
}

/** Applies one stream event to the item map; true when it carried generated content. */
function applyStreamEvent(items: Map<number, JsonObject>, event: JsonObject): boolean {
  const type = event.type;
  const delta = asString(event.delta) ?? '';
  switch (type) {
    case 'response.output_item.added':
    case 'response.output_item.done': {
      const item = asObject(event.item);
      if (item === undefined) return false;
      items.set(asNumber(event.output_index) ?? items.size, item);
      return type === 'response.output_item.added' && item.type === 'function_call' && asNonEmptyString(item.name) !== undefined;
    }
    case 'response.output_text.delta':
      appendToPart(findOrCreateItem(items, event, 'message'), 'content', asNumber(event.content_index) ?? 0, 'output_text', 'text', delta);
      return delta !== '';
    case 'response.refusal.delta':
      appendToPart(findOrCreateItem(items, event, 'message'), 'content', asNumber(event.content_index) ?? 0, 'refusal', 'refusal', delta);
      return delta !== '';
    case 'response.function_call_arguments.delta': {
      const item = findOrCreateItem(items, event, 'function_call');
      item.arguments = (asString(item.arguments) ?? '') + delta;
      return delta !== '';
    }
    case 'response.reasoning_summary_text.delta':
      appendToPart(findOrCreateItem(items, event, 'reasoning'), 'summary', asNumber(event.summary_index) ?? 0, 'summary_text', 'text', delta);
      return delta !== '';
    case 'response.reasoning_text.delta':
      appendToPart(findOrCreateItem(items, event, 'reasoning'), 'content', asNumber(event.content_index) ?? 0, 'reasoning_text', 'text', delta);
      return delta !== '';
    default:
      return false;
  }
}

const TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const START_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued']);

/**
 * Rebuilds a Responses API result from its stream. The terminal event (`response.completed`,
 * `.incomplete`, `.failed`) carries the whole response and is preferred; without it (a cut
 * stream, a truncated capture) the output is rebuilt from item and delta events. `error` events
 * and LiteLLM's `data: {"error": …}` become the error.
 */
export function interpretResponsesStream(events: SseEvent[]): ResponseFacts {
  const facts: ResponseFacts = {};
  const items = new Map<number, JsonObject>();
  let terminal: JsonObject | undefined;
  for (const event of events) {
    const obj = asObject(parseJson(event.data));
    if (obj === undefined) continue;
    const type = asString(obj.type);
    if (type !== undefined && TERMINAL_EVENTS.has(type)) {
      terminal = asObject(obj.response) ?? terminal;
      continue;
    }
    if (type !== undefined && START_EVENTS.has(type)) {
      const response = asObject(obj.response);
      const model = asNonEmptyString(response?.model);
      if (model !== undefined && facts.model === undefined) facts.model = model;
      const id = asNonEmptyString(response?.id);
      if (id !== undefined && facts.responseId === undefined) facts.responseId = id;
      continue;
    }
    if (type === 'error' || obj.error !== undefined) {
      const error = readUpstreamError(obj);
      if (error !== undefined && facts.error === undefined) facts.error = error;
      continue;
    }
    if (applyStreamEvent(items, obj) && facts.firstContentOffset === undefined) facts.firstContentOffset = event.endOffset;
  }
  if (terminal !== undefined) applyResponseObject(facts, terminal);
  if (facts.output === undefined && items.size > 0) {
    facts.output = readOutputItems([...items.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]));
  }
  return facts;
}
