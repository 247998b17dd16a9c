import { loadConfig } from '../src/config';
import { readOtlpExporterEnv } from '../src/export/otlp-exporter-env';
import { startFakeLitellm, type FakeLitellm } from './support/fake-litellm';
import { startFakeLangfuse, type FakeLangfuse } from './support/fake-langfuse';
import { postJson } from './support/http-client';
import { ATTR, waitForTraceOf } from './support/span-helpers';
import { startSidecar, type TestSidecar } from './support/start-sidecar';

const LANGFUSE_ROUTE = '/api/public/otel/v1/traces';

/** OpenTelemetry's exporter variables, read as the spec has them (issue 14 §1). */
describe('OTEL_EXPORTER_OTLP_* variables', () => {
  test('the general endpoint gets /v1/traces appended; the traces endpoint is used as is and wins', () => {
    expect(readOtlpExporterEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).exporter.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(readOtlpExporterEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom' }).exporter.tracesUrl).toBe('http://b:4318/custom');
    expect(readOtlpExporterEnv({}).exporter).toEqual({ tracesUrl: undefined, headers: {}, compression: 'none', timeoutMs: undefined });
  });

  test('headers: key=value lists, percent-decoded, traces-specific merged over general key by key', () => {
    const { exporter, problems } = readOtlpExporterEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20general, x-scope=all',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'authorization=Bearer%20traces',
    });
    expect(problems).toEqual([]);
    expect(exporter.headers).toEqual({ authorization: 'Bearer traces', 'x-scope': 'all' });
  });

  test('every combination that makes no sense is refused at start-up, by name, never quoting a header value', () => {
    const problems = readOtlpExporterEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd',
      OTEL_EXPORTER_OTLP_TIMEOUT: 'soon',
      OTEL_EXPORTER_OTLP_HEADERS: 'token-only-SECRET-VALUE,content-type=text%2Fplain,x=%E0%A4%A',
    }).problems;
    expect(problems).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL (the sidecar speaks OTLP/HTTP; a Collector\'s otlp receiver listens on :4318 for it)',
      'OTEL_EXPORTER_OTLP_HEADERS: entry 1 is not key=value with a valid header name',
      'OTEL_EXPORTER_OTLP_HEADERS: the value of "x" is not valid percent-encoding',
      'OTEL_EXPORTER_OTLP_HEADERS: "content-type" is set by the sidecar itself and cannot be overridden',
      'OTEL_EXPORTER_OTLP_PROTOCOL: only http/protobuf is supported (the sidecar writes OTLP protobuf over HTTP itself), got "grpc"',
      'OTEL_EXPORTER_OTLP_COMPRESSION: must be gzip or none, got "zstd"',
      'OTEL_EXPORTER_OTLP_TIMEOUT: must be a whole number of milliseconds, got "soon"',
      'OTEL_EXPORTER_OTLP_HEADERS: has no effect without OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    ]);
    expect(problems.join('\n')).not.toContain('SECRET-VALUE');
    expect(readOtlpExporterEnv({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '5000', SIDECAR_EXPORT_TIMEOUT_MS: '9000' }).problems).toEqual(['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: SIDECAR_EXPORT_TIMEOUT_MS is set too; set one of them']);
  });

  test('with only Langfuse keys nothing changes; an endpoint alone turns tracing on without Langfuse credentials', () => {
    const keys = { LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-1' };
    expect(loadConfig(keys).langfuse).toMatchObject({ tracesUrl: `https://cloud.langfuse.com${LANGFUSE_ROUTE}`, headers: {}, compression: 'none' });
    const viaCollector = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318', OTEL_EXPORTER_OTLP_TIMEOUT: '3000' });
    expect(viaCollector.langfuse).toMatchObject({ tracesUrl: 'http://otel-collector:4318/v1/traces', publicKey: undefined, secretKey: undefined });
    expect(viaCollector.export.timeoutMs).toBe(3000);
  });
});

describe('exporting through an OTLP endpoint', () => {
  let fake: FakeLitellm;
  let collector: FakeLangfuse;
  let langfuse: FakeLangfuse;
  const sidecars: TestSidecar[] = [];

  beforeAll(async () => {
    fake = await startFakeLitellm();
    collector = await startFakeLangfuse();
    langfuse = await startFakeLangfuse();
  });
  afterAll(async () => {
    for (const sidecar of sidecars) await sidecar.close();
    await fake.close();
    await collector.close();
    await langfuse.close();
  });
  const start = async (env: Record<string, string>, langfuseUrl?: string) => {
    const sidecar = await startSidecar(fake.url, langfuseUrl, env);
    sidecars.push(sidecar);
    return sidecar;
  };
  const ask = (sidecar: TestSidecar) => postJson(sidecar.url, '/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'route me' }], metadata: { session_id: 's-otlp' } });

  test('the same spans go to the Collector, with its headers and no Langfuse credentials, and none to Langfuse', async () => {
    const viaCollector = await start({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}${LANGFUSE_ROUTE}`, OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=abc%20123' });
    const direct = await start({}, langfuse.url);
    const a = await waitForTraceOf(collector, await ask(viaCollector));
    const b = await waitForTraceOf(langfuse, await ask(direct));
    const request = collector.requests.find((r) => r.path === LANGFUSE_ROUTE);
    expect(request?.headers['x-collector-token']).toBe('abc 123');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.headers['x-langfuse-ingestion-version']).toBe('4');
    // Byte for byte the same dialect: what differs between the two spans is only what differs between the two calls.
    const volatile = new Set([ATTR.completionStart, 'langfuse.observation.metadata.litellm_call_id']);
    const stable = (span: typeof a) => Object.fromEntries(Object.entries(span.attributes).filter(([key]) => !volatile.has(key)));
    expect(stable(a)).toEqual(stable(b));
    expect(a.name).toBe(b.name);
    expect(langfuse.spans().some((span) => span.traceId === a.traceId)).toBe(false);
  });

  test('the general endpoint posts to <endpoint>/v1/traces', async () => {
    const sidecar = await start({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    await ask(sidecar);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !collector.requests.some((r) => r.path === '/v1/traces')) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(collector.requests.some((r) => r.path === '/v1/traces')).toBe(true);
  });

  test('gzip: Content-Encoding gzip on the wire, the same spans once decompressed, fewer bytes', async () => {
    const gzipped = await start({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' }, langfuse.url);
    const span = await waitForTraceOf(langfuse, await ask(gzipped));
    expect(span.attributes['session.id']).toBe('s-otlp');
    const request = langfuse.requests.find((r) => r.headers['content-encoding'] === 'gzip');
    expect(request).toBeDefined();
    expect(request?.wireBytes).toBeLessThan(request?.raw.length ?? 0);
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-test:sk-lf-test-secret').toString('base64')}`);
  });
});
