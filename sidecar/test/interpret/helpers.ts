import { interpretStream, parseSseEvents } from '../../src/interpret';
import type { LlmRoute, ResponseFacts } from '../../src/interpret';

/** One SSE event to write: an optional `event:` name and a `data:` payload (objects become JSON). */
export interface SseFrame {
  event?: string;
  data: unknown;
}

/** Writes frames the way LiteLLM and the providers do: `event:` (when named), `data:`, blank line. */
export function toSseBody(frames: SseFrame[], lineEnd = '\n'): string {
  let body = '';
  for (const frame of frames) {
    if (frame.event !== undefined) body += `event: ${frame.event}${lineEnd}`;
    body += `data: ${typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data)}${lineEnd}${lineEnd}`;
  }
  return body;
}

/** Frames carrying only `data:` lines (OpenAI chat/completions style). */
export function dataFrames(...payloads: unknown[]): SseFrame[] {
  return payloads.map((data) => ({ data }));
}

/** Frames named by their payload's `type` (Anthropic and Responses API style). */
export function typedFrames(...payloads: Array<{ type: string; [key: string]: unknown }>): SseFrame[] {
  return payloads.map((data) => ({ event: data.type, data }));
}

/** Parses an SSE body and interprets it for the route, as the recorder will. */
export function interpretSseBody(route: LlmRoute, body: string): ResponseFacts {
  return interpretStream(route, parseSseEvents(Buffer.from(body, 'utf8')));
}

/** Byte offset just past the end of the first occurrence of `needle`'s SSE event in `body`. */
export function endOfEventContaining(body: string, needle: string): number {
  const at = body.indexOf(needle);
  const end = body.indexOf('\n\n', at);
  return Buffer.byteLength(body.slice(0, end + 2), 'utf8');
}
