import { applyOpenAiEnvelope } from './envelope';
import type { ResponseFacts, SseEvent } from './types';
import { asArray, asNonEmptyString, asNumber, asObject, asString, parseJson, type JsonObject } from './values';

/**
 * The assistant message as Langfuse's OpenAI integrations record it (langfuse-python
 * `_extract_chat_response`): role, content, and tool calls, function call, refusal when present.
 * LiteLLM's `reasoning_content` is kept (it is generated text); audio keeps its transcript only,
 * never the base64 data.
 */
function readChatMessage(value: unknown): unknown {
  const message = asObject(value);
  if (message === undefined) return value === undefined ? null : value;
  const out: JsonObject = { role: asNonEmptyString(message.role) ?? 'assistant', content: message.content ?? null };
  const toolCalls = asArray(message.tool_calls);
  if (toolCalls !== undefined && toolCalls.length > 0) out.tool_calls = toolCalls;
  if (asObject(message.function_call) !== undefined) out.function_call = message.function_call;
  if (asNonEmptyString(message.refusal) !== undefined) out.refusal = message.refusal;
  if (asNonEmptyString(message.reasoning_content) !== undefined) out.reasoning_content = message.reasoning_content;
  const annotations = asArray(message.annotations);
  if (annotations !== undefined && annotations.length > 0) out.annotations = annotations;
  const audio = asObject(message.audio);
  if (audio !== undefined) out.audio = { id: audio.id, transcript: audio.transcript };
  return out;
}

/** Chat completion JSON: `choices[0].message` (all choices' messages when n > 1), usage, finish reason. */
export function interpretChatJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const choices = asArray(body.choices);
  if (choices !== undefined && choices.length > 0) {
    const first = asObject(choices[0]);
    facts.output = choices.length === 1 ? readChatMessage(first?.message) : choices.map((choice) => readChatMessage(asObject(choice)?.message));
    const finishReason = asNonEmptyString(first?.finish_reason);
    if (finishReason !== undefined) facts.finishReason = finishReason;
  }
  return facts;
}

interface ToolCallState {
  id?: string;
  type?: string;
  name: string;
  arguments: string;
}

interface ChoiceState {
  role?: string;
  content: string;
  refusal: string;
  reasoning: string;
  toolCalls: ToolCallState[];
  functionCall?: { name: string; arguments: string };
  finishReason?: string;
}

/** Merges one streamed tool-call delta into the list, by `index` (OpenAI sends name and id once, then argument pieces). */
function mergeToolCall(calls: ToolCallState[], value: unknown): boolean {
  const delta = asObject(value);
  if (delta === undefined) return false;
  const index = asNumber(delta.index);
  const slot = index !== undefined && Number.isInteger(index) && index >= 0 && index < 4096 ? index : undefined;
  const id = asNonEmptyString(delta.id);
  // Without an index, a piece without an id continues the last call.
  let call = slot !== undefined ? calls[slot] : id === undefined ? calls[calls.length - 1] : undefined;
  // A different id at a used index is a new call: some providers send every whole call at index 0.
  if (call?.id !== undefined && id !== undefined && call.id !== id) call = undefined;
  if (call === undefined) {
    call = { name: '', arguments: '' };
    if (slot !== undefined && calls[slot] === undefined) calls[slot] = call;
    else calls.push(call);
  }
  if (id !== undefined && call.id === undefined) call.id = id;
  const type = asNonEmptyString(delta.type);
  if (type !== undefined && call.type === undefined) call.type = type;
  const fn = asObject(delta.function);
  const name = asNonEmptyString(fn?.name);
  if (name !== undefined && call.name === '') call.name = name;
  const args = asString(fn?.arguments) ?? '';
  call.arguments += args;
  return name !== undefined || args !== '';
}

/** Applies one chunk's `delta` to a choice; true when it carried generated content. */
function applyDelta(state: ChoiceState, delta: JsonObject): boolean {
  let generated = false;
  const role = asNonEmptyString(delta.role);
  if (role !== undefined) state.role = role;
  const content = asString(delta.content);
  if (content !== undefined && content !== '') {
    state.content += content;
    generated = true;
  }
  const refusal = asString(delta.refusal);
  if (refusal !== undefined && refusal !== '') {
    state.refusal += refusal;
    generated = true;
  }
  const reasoning = asString(delta.reasoning_content);
  if (reasoning !== undefined && reasoning !== '') {
    state.reasoning += reasoning;
    generated = true;
  }
  const toolCalls = asArray(delta.tool_calls);
  if (toolCalls !== undefined) for (const call of toolCalls) if (mergeToolCall(state.toolCalls, call)) generated = true;
  const functionCall = asObject(delta.function_call);
  if (functionCall !== undefined) {
    state.functionCall ??= { name: '', arguments: '' };
    const name = asNonEmptyString(functionCall.name);
    if (name !== undefined && state.functionCall.name === '') state.functionCall.name = name;
    const args = asString(functionCall.arguments) ?? '';
    state.functionCall.arguments += args;
    if (name !== undefined || args !== '') generated = true;
  }
  return generated;
}

/** The message a choice's deltas add up to, in the same shape as the non-streamed message. */
function buildMessage(state: ChoiceState): JsonObject {
  const toolCalls = state.toolCalls.filter((call) => call !== undefined);
  const hasCall = toolCalls.length > 0 || state.functionCall !== undefined;
  const message: JsonObject = { role: state.role ?? 'assistant', content: state.content === '' && (hasCall || state.refusal !== '') ? null : state.content };
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((call) => ({ id: call.id, type: call.type ?? 'function', function: { name: call.name, arguments: call.arguments } }));
  }
  if (state.functionCall !== undefined) message.function_call = state.functionCall;
  if (state.refusal !== '') message.refusal = state.refusal;
  if (state.reasoning !== '') message.reasoning_content = state.reasoning;
  return message;
}

/**
 * Rebuilds a chat completion from its SSE chunks: content and refusal concatenated, tool calls
 * merged by index with their arguments concatenated, usage from the last chunk that has it
 * (sent with `stream_options.include_usage`), `data: [DONE]` skipped, `data: {"error": …}`
 * (LiteLLM's in-stream error, under HTTP 200) as the error.
 */
export function interpretChatStream(events: SseEvent[]): ResponseFacts {
  const facts: ResponseFacts = {};
  const choices = new Map<number, ChoiceState>();
  for (const event of events) {
    if (event.data === '[DONE]') continue;
    const chunk = asObject(parseJson(event.data));
    if (chunk === undefined) continue;
    applyOpenAiEnvelope(facts, chunk);
    const list = asArray(chunk.choices);
    if (list === undefined) continue;
    for (const item of list) {
      const choice = asObject(item);
      if (choice === undefined) continue;
      const index = asNumber(choice.index) ?? 0;
      let state = choices.get(index);
      if (state === undefined) {
        state = { content: '', refusal: '', reasoning: '', toolCalls: [] };
        choices.set(index, state);
      }
      const finishReason = asNonEmptyString(choice.finish_reason);
      if (finishReason !== undefined) state.finishReason = finishReason;
      const delta = asObject(choice.delta);
      if (delta !== undefined && applyDelta(state, delta) && facts.firstContentOffset === undefined) facts.firstContentOffset = event.endOffset;
    }
  }
  if (choices.size > 0) {
    const ordered = [...choices.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
    facts.output = ordered.length === 1 ? buildMessage(ordered[0] as ChoiceState) : ordered.map(buildMessage);
    const finishReason = ordered[0]?.finishReason;
    if (finishReason !== undefined) facts.finishReason = finishReason;
  }
  return facts;
}
