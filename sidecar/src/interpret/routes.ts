import type { LlmRoute } from './types';

/*
 * The LLM routes LiteLLM's proxy registers (1.110.x), as FastAPI route decorators:
 * - proxy_server.py: `/v1/chat/completions`, `/chat/completions`, `/engines/{model:path}/chat/completions`,
 *   `/openai/deployments/{model:path}/chat/completions` (Azure-compatible), and the same four shapes
 *   for `/completions` and `/embeddings`;
 * - response_api_endpoints/endpoints.py: `/v1/responses`, `/responses`, `/openai/v1/responses`, and
 *   `/cursor/chat/completions` (Responses-style input, chat-style output);
 * - anthropic_endpoints/endpoints.py: `/v1/messages` (the `/messages` spelling is accepted as the issue asks);
 * - image_endpoints/endpoints.py: `/v1/images/generations`, `/v1/images/edits` (and without `/v1`, and under
 *   `/openai/deployments/{model:path}/`); proxy_server.py: `/v1/moderations`, `/v1/audio/speech`,
 *   `/v1/audio/transcriptions` (and without `/v1`); rerank_endpoints/endpoints.py: `/rerank`, `/v1/rerank`, `/v2/rerank`;
 * - ocr_endpoints/endpoints.py: `/v1/ocr`; search_endpoints/endpoints.py: `/v1/search`, `/v1/search/{search_tool_name}`
 *   (and without `/v1`);
 * - pass_through_endpoints/llm_passthrough_endpoints.py: `/anthropic/{endpoint:path}` (Anthropic's own API, so
 *   `/anthropic/v1/messages` has the `/v1/messages` shape), `/gemini/{endpoint:path}` and
 *   `/vertex_ai/{endpoint:path}` (Google's native API: `…/models/{model}:{method}`, see matchGeminiPath).
 * `/v1/messages/count_tokens`, `/anthropic/v1/messages/count_tokens` and `/v1/responses/{id}` are exact-match
 * misses, as intended: they make no generation.
 */
const EXACT_ROUTES: ReadonlyMap<string, LlmRoute> = new Map<string, LlmRoute>([
  ['/v1/chat/completions', 'chat'],
  ['/chat/completions', 'chat'],
  ['/cursor/chat/completions', 'chat'],
  ['/v1/completions', 'completions'],
  ['/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
  ['/embeddings', 'embeddings'],
  ['/v1/responses', 'responses'],
  ['/responses', 'responses'],
  ['/openai/v1/responses', 'responses'],
  ['/v1/messages', 'messages'],
  ['/messages', 'messages'],
  ['/anthropic/v1/messages', 'messages'],
  ['/v1/images/generations', 'images'],
  ['/images/generations', 'images'],
  ['/v1/images/edits', 'images'],
  ['/images/edits', 'images'],
  ['/v1/audio/speech', 'speech'],
  ['/audio/speech', 'speech'],
  ['/v1/audio/transcriptions', 'transcriptions'],
  ['/audio/transcriptions', 'transcriptions'],
  ['/v1/moderations', 'moderations'],
  ['/moderations', 'moderations'],
  ['/rerank', 'rerank'],
  ['/v1/rerank', 'rerank'],
  ['/v2/rerank', 'rerank'],
  ['/v1/ocr', 'ocr'],
  ['/ocr', 'ocr'],
  ['/v1/search', 'search'],
  ['/search', 'search'],
]);

/**
 * LiteLLM's pass-through for providers that speak OpenAI's API (and Cohere's, and Mistral's OCR):
 * `/{provider}/{endpoint:path}` forwards `endpoint` to the provider (llm_passthrough_endpoints.py). The rest of
 * the path is then one of the routes above: `/openai/v1/chat/completions` is a chat call in OpenAI's format.
 */
const PASS_THROUGH_PREFIXES = ['/openai/', '/vllm/', '/mistral/', '/openrouter/', '/nvidia_nim/', '/azure/', '/azure_ai/', '/cohere/'];

function matchPassThroughPath(path: string): LlmRoute | undefined {
  for (const prefix of PASS_THROUGH_PREFIXES) {
    if (path.startsWith(prefix)) return EXACT_ROUTES.get(path.slice(prefix.length - 1));
  }
  return undefined;
}

/** `/v1/search/{search_tool_name}` (and `/search/…`): a search with a configured tool, named in the path. */
function matchSearchToolPath(path: string): { route: LlmRoute; model: string } | undefined {
  const prefix = path.startsWith('/v1/search/') ? '/v1/search/' : path.startsWith('/search/') ? '/search/' : undefined;
  if (prefix === undefined) return undefined;
  const name = path.slice(prefix.length);
  // `/v1/search/tools` lists the tools (search_tool_management.py); a name has no further segments.
  if (name === '' || name === 'tools' || name.includes('/')) return undefined;
  return { route: 'search', model: name };
}

/** Google's methods on a model that make a model call; `countTokens` and the rest are not traced. */
const GEMINI_METHODS: ReadonlyMap<string, LlmRoute> = new Map<string, LlmRoute>([
  ['generateContent', 'gemini'],
  ['streamGenerateContent', 'gemini-stream'],
  ['embedContent', 'gemini-embed'],
  ['batchEmbedContents', 'gemini-embed'],
]);

/**
 * Route and model of a native Gemini call through LiteLLM: `/gemini/{v1|v1beta}/models/{model}:{method}` (the
 * official `google-genai` client uses `v1`, curl-style calls `v1beta`), or on Vertex AI
 * `/vertex_ai/{version}/projects/{p}/locations/{l}/publishers/google/models/{model}:{method}`.
 */
function matchGeminiPath(path: string): { route: LlmRoute; model: string } | undefined {
  if (!path.startsWith('/gemini/') && !path.startsWith('/vertex_ai/')) return undefined;
  const models = path.lastIndexOf('/models/');
  const colon = path.lastIndexOf(':');
  if (models === -1 || colon < models) return undefined;
  if (path.startsWith('/vertex_ai/') && !path.slice(0, models).endsWith('/publishers/google')) return undefined;
  const route = GEMINI_METHODS.get(path.slice(colon + 1));
  return route === undefined ? undefined : { route, model: path.slice(models + '/models/'.length, colon) };
}

/** Prefixes whose `{model:path}` segment names the deployment (Starlette's `path` convertor matches `.*`). */
const MODEL_PATH_PREFIXES = ['/openai/deployments/', '/engines/'] as const;

/**
 * Suffixes after the model segment, most specific first: Starlette tries routes in registration
 * order and chat is registered before completions, so `/engines/x/chat/completions` is chat,
 * while `/engines/chat/completions` is a text completion for a model named `chat`.
 */
const MODEL_PATH_SUFFIXES: ReadonlyArray<readonly [string, LlmRoute]> = [
  ['/chat/completions', 'chat'],
  ['/completions', 'completions'],
  ['/embeddings', 'embeddings'],
  ['/images/generations', 'images'],
  ['/images/edits', 'images'],
];

/** The path part of a request target: no query or fragment, one trailing slash tolerated. */
function normalisePath(path: string): string {
  let end = path.length;
  const query = path.indexOf('?');
  if (query !== -1) end = query;
  const hash = path.indexOf('#');
  if (hash !== -1 && hash < end) end = hash;
  if (end > 1 && path.charCodeAt(end - 1) === 0x2f) end -= 1;
  return end === path.length ? path : path.slice(0, end);
}

/** Route and model segment for the Azure-style and engines paths, or undefined. */
function matchModelPath(path: string): { route: LlmRoute; model: string } | undefined {
  for (const prefix of MODEL_PATH_PREFIXES) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    for (const [suffix, route] of MODEL_PATH_SUFFIXES) {
      if (rest.endsWith(suffix)) return { route, model: rest.slice(0, rest.length - suffix.length) };
    }
  }
  return undefined;
}

/** Which LLM route a request is (POST only), or undefined for everything else. */
export function classifyRoute(method: string, path: string): LlmRoute | undefined {
  if (typeof method !== 'string' || typeof path !== 'string') return undefined;
  if (method !== 'POST' && method.toUpperCase() !== 'POST') return undefined;
  const clean = normalisePath(path);
  return EXACT_ROUTES.get(clean) ?? matchModelPath(clean)?.route ?? matchGeminiPath(clean)?.route ?? matchSearchToolPath(clean)?.route ?? matchPassThroughPath(clean);
}

/** The model named in the path (`/openai/deployments/{model}/…`, `/gemini/v1beta/models/{model}:…`), else undefined. */
export function readModelFromPath(path: string): string | undefined {
  if (typeof path !== 'string') return undefined;
  const clean = normalisePath(path);
  const model = matchModelPath(clean)?.model ?? matchGeminiPath(clean)?.model ?? matchSearchToolPath(clean)?.model;
  if (model === undefined || model === '') return undefined;
  try {
    return decodeURIComponent(model);
  } catch {
    return model;
  }
}
