import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';
import { decodeOtlpExport } from './decode-otlp';

/** A span as a test wants to read it: attributes flattened to plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** The parent span's id, for a span nested under a caller's span (absent for a root). */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  scope: { name?: string; version?: string };
  /** The resource's attributes (Langfuse reads `service.version` there when a span has no `langfuse.version`). */
  resource: Record<string, unknown>;
}

/** How the fake answers export requests. */
export type LangfuseMode = 'ok' | 'error500' | 'unavailable503' | 'unauthorized401' | 'hang' | { slowMs: number };

/** A fake Langfuse OTLP endpoint that records every export, and can fail or stall on demand. */
export interface FakeLangfuse {
  url: string;
  mode: LangfuseMode;
  /**
   * Request bodies and headers, in arrival order (all attempts, successful or not). `body` is the raw bytes
   * read as UTF-8 (protobuf carries strings as raw UTF-8, so a text search finds what was exported).
   */
  requests: Array<{ headers: http.IncomingHttpHeaders; body: string; raw: Buffer; path: string; wireBytes: number }>;
  /** Spans from exports the fake accepted (mode 'ok' or slow). */
  spans: () => ReceivedSpan[];
  waitForSpans: (count: number, timeoutMs?: number) => Promise<ReceivedSpan[]>;
  /** Waits for the one span of a trace (the sidecar writes one generation per call). */
  waitForTrace: (traceId: string, timeoutMs?: number) => Promise<ReceivedSpan>;
  close: () => Promise<void>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: OtlpValue[] } };

function readValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(readValue);
  return undefined;
}

/** Flattens an OTLP export request (protobuf or JSON, by its content type) into spans. */
export function readSpans(raw: Buffer, contentType: string | undefined): ReceivedSpan[] {
  const parsed = decodeOtlpExport(raw, contentType) as unknown as {
    resourceSpans: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> }; scopeSpans: Array<{ scope?: { name?: string; version?: string }; spans: Array<Record<string, unknown>> }> }>;
  };
  const spans: ReceivedSpan[] = [];
  for (const rs of parsed.resourceSpans) {
    const resource: Record<string, unknown> = {};
    for (const attr of rs.resource?.attributes ?? []) resource[attr.key] = readValue(attr.value);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const attributes: Record<string, unknown> = {};
        for (const attr of (span.attributes as Array<{ key: string; value: OtlpValue }>) ?? []) attributes[attr.key] = readValue(attr.value);
        spans.push({
          traceId: span.traceId as string,
          spanId: span.spanId as string,
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId as string } : {}),
          ...(span.traceState ? { traceState: span.traceState as string } : {}),
          name: span.name as string,
          startTimeUnixNano: span.startTimeUnixNano as string,
          endTimeUnixNano: span.endTimeUnixNano as string,
          status: (span.status as ReceivedSpan['status']) ?? {},
          attributes,
          scope: ss.scope ?? {},
          resource,
        });
      }
    }
  }
  return spans;
}

/** Starts the fake Langfuse on 127.0.0.1:0 (or on `port`, to bring a "down" Langfuse back where the sidecar expects it). */
export async function startFakeLangfuse(mode: LangfuseMode = 'ok', port = 0): Promise<FakeLangfuse> {
  const accepted: Array<{ raw: Buffer; contentType: string | undefined }> = [];
  const sockets = new Set<Socket>();
  const fake: FakeLangfuse = {
    url: '',
    mode,
    requests: [],
    spans: () => accepted.flatMap((body) => readSpans(body.raw, body.contentType)),
    waitForSpans: async (count, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const spans = fake.spans();
        if (spans.length >= count) return spans;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`expected ${count} spans at the fake Langfuse, got ${fake.spans().length}`);
    },
    waitForTrace: async (traceId, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const span = fake.spans().find((s) => s.traceId === traceId);
        if (span) return span;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no span for trace ${traceId} at the fake Langfuse (${fake.spans().length} spans received)`);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // Langfuse's OTel route and the Collector's otlp receiver both take `Content-Encoding: gzip`.
      const wire = Buffer.concat(chunks);
      let raw = wire;
      if (req.headers['content-encoding'] === 'gzip') {
        try {
          raw = gunzipSync(wire);
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end('{"message":"invalid gzip body"}');
          return;
        }
      }
      fake.requests.push({ headers: req.headers, body: raw.toString('utf8'), raw, path: req.url ?? '', wireBytes: wire.length });
      const reply = (status: number, text = '{}', headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(text);
      };
      // As Langfuse's OTel route does: a version above 4 or a non-number is refused before anything is read.
      const ingestionVersion = req.headers['x-langfuse-ingestion-version'];
      if (typeof ingestionVersion === 'string' && !(Number.parseInt(ingestionVersion, 10) <= 4)) {
        return reply(400, JSON.stringify({ error: `Unsupported x-langfuse-ingestion-version: "${ingestionVersion}". Maximum supported: "4".` }));
      }
      const current = fake.mode;
      if (current === 'hang') return;
      if (current === 'error500') return reply(500, '{"message":"internal error"}');
      if (current === 'unavailable503') return reply(503, '{"message":"unavailable"}', { 'retry-after': '1' });
      if (current === 'unauthorized401') return reply(401, '{"message":"Invalid credentials"}');
      const accept = () => {
        if (req.url === '/api/public/otel/v1/traces') accepted.push({ raw, contentType: req.headers['content-type'] });
        reply(200, '{}');
      };
      if (typeof current === 'object') setTimeout(accept, current.slowMs);
      else accept();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
