import { isUtf8 } from 'node:buffer';
import { scanTopLevelMembers } from '../capture/scan-json';
import type { LlmRoute } from '../interpret/types';

/** Where each route keeps its prompt, when the prompt is one top-level member recorded as JSON. */
const PROMPT_MEMBER: Partial<Record<LlmRoute, string>> = {
  chat: 'messages',
  completions: 'prompt',
  embeddings: 'input',
  responses: 'input',
};

const NULL = Buffer.from('null');

/**
 * Lifts the prompt out of a request body as the bytes the client sent, and parses only the rest. The
 * recorded input is the same JSON value (whitespace and escapes as the client wrote them, which Langfuse
 * parses alike), without parsing a possibly huge prompt into objects only to serialize it again. Undefined
 * when the body is to be parsed whole instead: no such member, a prompt that is a plain string (recorded as
 * text, not JSON), chat input that also carries tools (recorded together with them), Anthropic messages (the
 * system prompt is merged in), invalid UTF-8, or anything the scan does not recognize.
 */
export function liftPrompt(route: LlmRoute, body: Buffer): { json: unknown; prompt: Buffer } | undefined {
  let member = PROMPT_MEMBER[route];
  if (member === undefined) return undefined;
  const members = scanTopLevelMembers(body);
  if (!members) return undefined;
  if (route === 'chat') {
    if (members.has('tools') || members.has('functions')) return undefined;
    // Cursor's /cursor/chat/completions sends Responses-style `input` instead of `messages`.
    if (!members.has('messages')) member = 'input';
  }
  const range = members.get(member);
  if (!range) return undefined;
  const first = body[range.start];
  if (first !== 0x5b && first !== 0x7b) return undefined;
  const prompt = body.subarray(range.start, range.end);
  if (!isUtf8(prompt)) return undefined;
  try {
    // `null` in its place keeps the rest one valid object, small whatever the prompt's size.
    return { json: JSON.parse(Buffer.concat([body.subarray(0, range.start), NULL, body.subarray(range.end)]).toString('utf8')), prompt };
  } catch {
    return undefined;
  }
}
