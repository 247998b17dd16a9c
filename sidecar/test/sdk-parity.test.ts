import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chatStreamEvents, sendJson, sendSse, startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { decodeOtlpExport } from './support/decode-otlp';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { postJson } from './support/http-client';
import type { GenerationSpec } from './support/record-with-sdk';
import type { ReceivedSpan } from './support/fake-langfuse';
import { ATTR, readJsonAttribute, readPrefixed, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

/**
 * The sidecar writes OTLP itself (binary protobuf) instead of running the SDK (whose exporter sends OTLP/JSON).
 * This test records the same generation both ways, decodes both as a collector would, and requires the same
 * attribute keys, the same OTLP value types and the same encoded values.
 */

/** Records a generation with @langfuse/tracing + @langfuse/otel in a child process (see record-with-sdk.ts). */
async function recordWithSdk(spec: GenerationSpec): Promise<void> {
  const loader = pathToFileURL(require.resolve('tsx')).href;
  await promisify(execFile)(process.execPath, ['--import', loader, join(__dirname, 'support', 'record-with-sdk.ts'), JSON.stringify(spec)], { timeout: 30_000 });
}

type RawValue = Record<string, unknown>;
interface RawSpan {
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code?: number };
  attributes: Array<{ key: string; value: RawValue }>;
}

/** The raw OTLP span (value types kept) and its scope, from every export the fake received. */
function findRawSpan(langfuse: FakeLangfuse, match: (span: RawSpan & { traceId: string }) => boolean) {
  for (const request of langfuse.requests) {
    const body = decodeOtlpExport(request.raw, request.headers['content-type']) as unknown as { resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string; version: string }; spans: Array<RawSpan & { traceId: string }> }> }> };
    for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) for (const span of ss.spans) if (match(span)) return { span, scope: ss.scope, headers: request.headers };
  }
  throw new Error('span not found');
}

/**
 * Key → [OTLP value type, value] for comparing encodings exactly. OTLP/JSON (the SDK's) may write a 64-bit
 * integer as a number, where the protobuf decoder gives a decimal string: compared as the string.
 */
const encodings = (span: RawSpan) =>
  Object.fromEntries(
    span.attributes.map(({ key, value }) => {
      const [type, item] = Object.entries(value)[0] as [string, unknown];
      return [key, [type, type === 'intValue' ? String(item) : item]];
    }),
  );

// Attributes the SDK adds that have no meaning for the sidecar's parentless spans: Langfuse already treats a span
// without a parent as the trace's root, which is all `is_app_root` says.
const SDK_ONLY = new Set(['langfuse.internal.is_app_root']);

describe('the sidecar speaks the Langfuse SDK dialect', () => {
  let fake: FakeLitellm;
  let langfuse: FakeLangfuse;
  let sidecar: TestSidecar;

  beforeAll(async () => {
    fake = await startFakeLitellm((_req, _body, res) => sendSse(res, chatStreamEvents(['Par', 'is'], { cost: 0.000123 }), 1, { 'x-litellm-call-id': 'call-parity' }));
    langfuse = await startFakeLangfuse();
    sidecar = await startSidecar(fake.url, langfuse.url, { LANGFUSE_TRACING_ENVIRONMENT: 'parity', LANGFUSE_RELEASE: 'r1' });
  });
  afterAll(async () => {
    await sidecar.close();
    await fake.close();
    await langfuse.close();
  });
  /** Where and as whom the SDK exports: the same fake Langfuse, keys, environment and release as the sidecar. */
  const sdkTarget = () => ({ baseUrl: langfuse.url, publicKey: 'pk-lf-test', secretKey: 'sk-lf-test-secret', environment: 'parity', release: 'r1' });

  test('same keys, value types and encodings as @langfuse/tracing + @langfuse/otel for the same generation', async () => {
    const metadata = { session_id: 'sess-p', trace_user_id: 'user-p', tags: ['t1', 't2'], trace_name: 'parity-trace', generation_name: 'parity-gen', trace_version: 'v7', trace_metadata: { team: 'core' } };
    // LiteLLM's prompt convention: a Langfuse prompt as its SDK returns it; the SDK's `prompt` option links the same version.
    Object.assign(metadata, { prompt: { name: 'capital-question', version: 3, type: 'chat', prompt: [{ role: 'user', content: 'Capital of {{country}}?' }] } });
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, temperature: 0.5, max_tokens: 9, messages: [{ role: 'user', content: 'Capital of France?' }], metadata });
    const sidecarSpan = await waitForTraceOf(langfuse, response);

    // Feed the SDK the very values the sidecar recorded, decoded; it must encode them back to the same attributes.
    const observationMetadata = readPrefixed(sidecarSpan, 'langfuse.observation.metadata');
    await recordWithSdk({
      ...sdkTarget(),
      name: 'parity-gen',
      trace: { userId: 'user-p', sessionId: 'sess-p', tags: ['t1', 't2'], traceName: 'parity-trace', version: 'v7', metadata: { team: 'core' } },
      start: {
        input: readJsonAttribute(sidecarSpan, ATTR.input),
        model: sidecarSpan.attributes[ATTR.model] as string,
        modelParameters: readJsonAttribute(sidecarSpan, ATTR.modelParameters),
        metadata: { ...observationMetadata, http_status: 200, stream: true, request_bytes: Number(observationMetadata.request_bytes), response_bytes: Number(observationMetadata.response_bytes) },
        version: 'v7',
        prompt: { name: 'capital-question', version: 3, isFallback: false },
      },
      update: {
        output: readJsonAttribute(sidecarSpan, ATTR.output),
        usageDetails: readJsonAttribute(sidecarSpan, ATTR.usage),
        costDetails: readJsonAttribute(sidecarSpan, ATTR.cost),
        completionStartTime: readJsonAttribute(sidecarSpan, ATTR.completionStart),
      },
    });

    const ours = findRawSpan(langfuse, (span) => span.traceId === sidecarSpan.traceId);
    const sdk = findRawSpan(langfuse, (span) => span.traceId !== sidecarSpan.traceId && span.name === 'parity-gen');

    expect(ours.scope.name).toBe(sdk.scope.name);
    expect(ours.scope.version).toBe(sdk.scope.version);
    expect(ours.span.name).toBe(sdk.span.name);
    expect(ours.span.kind).toBe(sdk.span.kind);
    expect(ours.span.status.code ?? 0).toBe(sdk.span.status.code ?? 0);
    for (const field of ['startTimeUnixNano', 'endTimeUnixNano'] as const) {
      expect(typeof ours.span[field]).toBe(typeof sdk.span[field]);
      expect(ours.span[field]).toMatch(/^\d{19}$/);
    }
    expect(ours.headers['content-type']).toBe('application/x-protobuf');
    for (const header of ['authorization', 'x-langfuse-public-key']) expect(ours.headers[header]).toBe(sdk.headers[header]);
    // The SDK headers name the sidecar, not the JS SDK; ingestion version 4 keeps Langfuse's direct write path.
    expect(ours.headers['x-langfuse-ingestion-version']).toBe('4');

    const sdkEncodings = encodings(sdk.span);
    for (const key of SDK_ONLY) delete sdkEncodings[key];
    expect(encodings(ours.span)).toEqual(sdkEncodings);
    // Spot checks that the comparison covered what matters.
    for (const key of [ATTR.input, ATTR.output, ATTR.usage, ATTR.cost, ATTR.completionStart, ATTR.modelParameters, ATTR.tags, ATTR.userId, ATTR.environment, 'langfuse.trace.metadata.team']) expect(sdkEncodings[key]).toBeDefined();
    expect(sdkEncodings['langfuse.observation.prompt.version']).toEqual(['intValue', '3']);
  });

  test.each([
    ['under a plain OpenTelemetry span: both mark the span as an app root', false],
    ["under a Langfuse SDK span that claimed the trace in baggage: neither does", true],
  ])('nested (%s): same parent, same attributes as the SDK with the same remote parent', async (_what, claimed) => {
    const parent = { traceId: claimed ? 'c1'.repeat(16) : 'c2'.repeat(16), spanId: 'd3'.repeat(8) };
    const headers: Record<string, string> = { traceparent: `00-${parent.traceId}-${parent.spanId}-01` };
    if (claimed) headers.baggage = `langfuse_trace_id=${parent.traceId}`;
    const response = await postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'nested?' }], metadata: { generation_name: `nested-${String(claimed)}` } }, headers);
    const sidecarSpan = await waitForTraceOf(langfuse, response);
    const metadata = readPrefixed(sidecarSpan, 'langfuse.observation.metadata');
    await recordWithSdk({
      ...sdkTarget(),
      name: sidecarSpan.name,
      trace: {},
      parent: { ...parent, claimed },
      start: { input: readJsonAttribute(sidecarSpan, ATTR.input), model: sidecarSpan.attributes[ATTR.model] as string, modelParameters: readJsonAttribute(sidecarSpan, ATTR.modelParameters), metadata: { ...metadata, http_status: 200, stream: true, request_bytes: Number(metadata.request_bytes), response_bytes: Number(metadata.response_bytes) } },
      update: { output: readJsonAttribute(sidecarSpan, ATTR.output), usageDetails: readJsonAttribute(sidecarSpan, ATTR.usage), costDetails: readJsonAttribute(sidecarSpan, ATTR.cost), completionStartTime: readJsonAttribute(sidecarSpan, ATTR.completionStart) },
    });
    const spans = langfuse.spans().filter((span) => span.traceId === parent.traceId);
    expect(spans.map((span) => span.parentSpanId)).toEqual([parent.spanId, parent.spanId]);
    const [ours, sdk] = spans.map((span) => findRawSpan(langfuse, (raw) => raw.traceId === parent.traceId && raw.name === span.name && (raw as unknown as { spanId: string }).spanId === span.spanId).span);
    expect(encodings(ours as RawSpan)).toEqual(encodings(sdk as RawSpan));
    expect(encodings(ours as RawSpan)['langfuse.internal.is_app_root']).toEqual(claimed ? undefined : ['boolValue', true]);
  });

  /**
   * Records the same observation with the SDK as the sidecar exported for `sidecarSpan` (name, trace name, input,
   * metadata as the SDK would have received it, and the given attributes), and returns both spans' encodings.
   */
  async function compareWithSdk(sidecarSpan: ReceivedSpan, asType: 'embedding' | 'guardrail' | 'retriever', start: GenerationSpec['start'], update: GenerationSpec['update']) {
    const metadata = readPrefixed(sidecarSpan, 'langfuse.observation.metadata');
    await recordWithSdk({
      ...sdkTarget(),
      name: sidecarSpan.name,
      asType,
      trace: { traceName: sidecarSpan.attributes[ATTR.traceName] as string },
      // A string input goes out as the string itself, by the SDK as by the sidecar; numbers were numbers before export.
      start: { input: sidecarSpan.attributes[ATTR.input], metadata: { ...metadata, http_status: 200, request_bytes: Number(metadata.request_bytes), response_bytes: Number(metadata.response_bytes) }, ...start },
      update: { output: readJsonAttribute(sidecarSpan, ATTR.output), ...update },
    });
    const ours = encodings(findRawSpan(langfuse, (span) => span.traceId === sidecarSpan.traceId).span);
    const sdk = encodings(findRawSpan(langfuse, (span) => span.traceId !== sidecarSpan.traceId && span.name === sidecarSpan.name).span);
    for (const key of SDK_ONLY) delete sdk[key];
    expect(sdk[ATTR.type]).toEqual(['stringValue', asType]);
    return { ours, sdk };
  }

  test('an embedding: the same keys, value types and encodings as the SDK\'s `embedding` observation', async () => {
    fake.handle = (_req, _body, res) =>
      sendJson(res, 200, { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }], usage: { prompt_tokens: 3, total_tokens: 3 } }, { 'x-litellm-response-cost': '0.00000006' });
    const response = await postJson(sidecar.url, '/v1/embeddings', { model: 'text-embedding-3-small', input: 'parity embedding', dimensions: 2 });
    const span = await waitForTraceOf(langfuse, response);
    const { ours, sdk } = await compareWithSdk(
      span,
      'embedding',
      { model: span.attributes[ATTR.model] as string, modelParameters: readJsonAttribute(span, ATTR.modelParameters) },
      { usageDetails: readJsonAttribute(span, ATTR.usage), costDetails: readJsonAttribute(span, ATTR.cost) },
    );
    expect(ours).toEqual(sdk);
  });

  test('a moderation: the SDK\'s `guardrail` keys and encodings, plus the model the SDK has no field for', async () => {
    fake.handle = (_req, _body, res) =>
      sendJson(res, 200, { id: 'modr-parity', model: 'omni-moderation-latest', results: [{ flagged: true, categories: { violence: true }, category_scores: { violence: 0.9 } }] });
    const response = await postJson(sidecar.url, '/v1/moderations', { model: 'omni-moderation-latest', input: 'parity moderation' });
    const { ours, sdk } = await compareWithSdk(await waitForTraceOf(langfuse, response), 'guardrail', {}, {});
    // The SDK's guardrail type takes no model; Langfuse reads the model attribute on any observation type.
    const { [ATTR.model]: model, ...rest } = ours;
    expect(model).toEqual(['stringValue', 'omni-moderation-latest']);
    expect(rest).toEqual(sdk);
  });

  test('a rerank: the SDK\'s `retriever` keys and encodings, plus the model and search units the SDK has no field for', async () => {
    fake.handle = (_req, _body, res) => sendJson(res, 200, { id: 'rr-parity', results: [{ index: 1, relevance_score: 0.9 }], meta: { billed_units: { search_units: 1 } } });
    const response = await postJson(sidecar.url, '/v1/rerank', { model: 'rerank-v3.5', query: 'parity rerank', documents: ['a', 'b'] });
    const { ours, sdk } = await compareWithSdk(await waitForTraceOf(langfuse, response), 'retriever', {}, {});
    const { [ATTR.model]: model, [ATTR.usage]: usage, ...rest } = ours;
    expect(model).toEqual(['stringValue', 'rerank-v3.5']);
    expect(usage).toEqual(['stringValue', '{"search_units":1}']);
    expect(rest).toEqual(sdk);
  });
});
