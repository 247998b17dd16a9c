/**
 * The interpret layer: pure functions that say what an LLM call was from its route and its
 * captured request and response bodies. No I/O, no logging; nothing here throws.
 */
export { interpretRequest } from './request';
export { interpretResponse, interpretStream } from './response';
export { classifyRoute, readModelFromPath } from './routes';
export { parseSseEvents } from './sse';
export { readUpstreamError } from './errors';
export { mapAnthropicUsage, mapOpenAiUsage, readUsageCost } from './usage';
export type { LlmRoute, RequestFacts, ResponseFacts, SseEvent, UpstreamErrorFacts, UsageDetails } from './types';
