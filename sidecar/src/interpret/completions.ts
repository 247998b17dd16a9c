import { applyOpenAiEnvelope } from './envelope';
import type { ResponseFacts, SseEvent } from './types';
import { asArray, asNonEmptyString, asNumber, asObject, asString, parseJson, type JsonObject } from './values';

/** Legacy text completion JSON: `choices[0].text` (all texts when n > 1), usage, finish reason. */
export function interpretCompletionsJson(body: JsonObject): ResponseFacts {
  const facts: ResponseFacts = {};
  applyOpenAiEnvelope(facts, body);
  const choices = asArray(body.choices);
  if (choices !== undefined && choices.length > 0) {
    const first = asObject(choices[0]);
    facts.output = choices.length === 1 ? (asString(first?.text) ?? '') : choices.map((choice) => asString(asObject(choice)?.text) ?? '');
    const finishReason = asNonEmptyString(first?.finish_reason);
    if (finishReason !== undefined) facts.finishReason = finishReason;
  }
  return facts;
}

/** Rebuilds a text completion from its SSE chunks: `choices[].text` concatenated per index. */
export function interpretCompletionsStream(events: SseEvent[]): ResponseFacts {
  const facts: ResponseFacts = {};
  const texts = new Map<number, string>();
  let finishReason: string | undefined;
  for (const event of events) {
    if (event.data === '[DONE]') continue;
    const chunk = asObject(parseJson(event.data));
    if (chunk === undefined) continue;
    applyOpenAiEnvelope(facts, chunk);
    const choices = asArray(chunk.choices);
    if (choices === undefined) continue;
    for (const item of choices) {
      const choice = asObject(item);
      if (choice === undefined) continue;
      const index = asNumber(choice.index) ?? 0;
      const text = asString(choice.text) ?? '';
      texts.set(index, (texts.get(index) ?? '') + text);
      if (text !== '' && facts.firstContentOffset === undefined) facts.firstContentOffset = event.endOffset;
      const reason = asNonEmptyString(choice.finish_reason);
      if (reason !== undefined && (index === 0 || finishReason === undefined)) finishReason = reason;
    }
  }
  if (texts.size > 0) {
    const ordered = [...texts.entries()].sort((a, b) => a[0] - b[0]).map((entry) => entry[1]);
    facts.output = ordered.length === 1 ? ordered[0] : ordered;
  }
  if (finishReason !== undefined) facts.finishReason = finishReason;
  return facts;
}
