import { interpretChatJson, interpretChatStream } from './chat';
import { interpretCompletionsJson, interpretCompletionsStream } from './completions';
import { interpretOcrJson, interpretSearchJson } from './documents';
import { interpretEmbeddingsJson } from './embeddings';
import { interpretGeminiEmbedJson, interpretGeminiJson, interpretGeminiStream } from './gemini';
import { interpretImagesJson, interpretMediaStream, interpretTranscriptionJson } from './media';
import { interpretModerationJson } from './moderations';
import { interpretRerankJson } from './rerank';
import { readUpstreamError } from './errors';
import { interpretMessagesJson, interpretMessagesStream } from './messages';
import { interpretResponsesJson, interpretResponsesStream } from './responses-api';
import type { LlmRoute, ResponseFacts, SseEvent } from './types';
import { asObject } from './values';

/** What a JSON (non-streamed) response body says about the generation. Never throws. */
export function interpretResponse(route: LlmRoute, body: unknown): ResponseFacts {
  // streamGenerateContent without `alt=sse` answers a JSON array of responses.
  if (route === 'gemini-stream' && Array.isArray(body)) return interpretGeminiJson(body);
  const obj = asObject(body);
  if (obj === undefined) return {};
  try {
    switch (route) {
      case 'chat':
        return interpretChatJson(obj);
      case 'completions':
        return interpretCompletionsJson(obj);
      case 'embeddings':
        return interpretEmbeddingsJson(obj);
      case 'responses':
        return interpretResponsesJson(obj);
      case 'messages':
        return interpretMessagesJson(obj);
      case 'gemini':
      case 'gemini-stream':
        return interpretGeminiJson(obj);
      case 'gemini-embed':
        return interpretGeminiEmbedJson(obj);
      case 'images':
        return interpretImagesJson(obj);
      case 'transcriptions':
        return interpretTranscriptionJson(obj);
      case 'moderations':
        return interpretModerationJson(obj);
      case 'rerank':
        return interpretRerankJson(obj);
      case 'ocr':
        return interpretOcrJson(obj);
      case 'search':
        return interpretSearchJson(obj);
      default: {
        const error = readUpstreamError(obj);
        return error === undefined ? {} : { error };
      }
    }
  } catch {
    // The readers guard every access; this only catches what they could not foresee (a getter
    // on a caller-built object, a stack overflow on absurd nesting): facts are best effort.
    return {};
  }
}

/** What a streamed (SSE) response says about the generation, rebuilt from its events. Never throws. */
export function interpretStream(route: LlmRoute, events: SseEvent[]): ResponseFacts {
  if (!Array.isArray(events)) return {};
  try {
    switch (route) {
      case 'chat':
        return interpretChatStream(events);
      case 'completions':
        return interpretCompletionsStream(events);
      case 'responses':
        return interpretResponsesStream(events);
      case 'messages':
        return interpretMessagesStream(events);
      case 'gemini':
      case 'gemini-stream':
        return interpretGeminiStream(events);
      case 'images':
      case 'transcriptions':
        return interpretMediaStream(events);
      default:
        // Embeddings do not stream; an error event is still worth reporting.
        return interpretChatStream(events);
    }
  } catch {
    return {};
  }
}
