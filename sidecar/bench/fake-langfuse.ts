/**
 * A fake Langfuse that accepts every OTLP/HTTP trace export and counts spans: JSON (what the sidecar sends)
 * and protobuf (what LiteLLM's own callbacks send), so "traces received = requests sent" can be checked.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { announceReady, serveCommands } from './ipc';

const TRACES_PATH = '/api/public/otel/v1/traces';

const counts = { exports: 0, spans: 0, bytes: 0, unauthorized: 0, unparsable: 0, otherPaths: 0 };
const traceIds = new Set<string>();

interface OtlpJson {
  resourceSpans?: { scopeSpans?: { spans?: { traceId?: string }[] }[] }[];
}

function countJsonSpans(body: Buffer): void {
  const parsed = JSON.parse(body.toString('utf8')) as OtlpJson;
  for (const resourceSpans of parsed.resourceSpans ?? []) {
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        counts.spans += 1;
        if (span.traceId) traceIds.add(span.traceId);
      }
    }
  }
}

/** Yields the length-delimited fields (wire type 2) of one protobuf message; other wire types are skipped. */
function* readLengthDelimited(buf: Buffer, start: number, end: number): Generator<{ field: number; start: number; end: number }> {
  let pos = start;
  const readVarint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buf[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (pos < end) {
    const key = readVarint();
    const wireType = key & 7;
    const field = Math.floor(key / 8);
    if (wireType === 0) readVarint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const length = readVarint();
      yield { field, start: pos, end: pos + length };
      pos += length;
    } else throw new Error(`unsupported wire type ${wireType}`);
  }
}

/** ExportTraceServiceRequest: resource_spans = 1 -> scope_spans = 2 -> spans = 2 -> trace_id = 1 (opentelemetry-proto). */
function countProtobufSpans(body: Buffer): void {
  for (const resourceSpans of readLengthDelimited(body, 0, body.length)) {
    if (resourceSpans.field !== 1) continue;
    for (const scopeSpans of readLengthDelimited(body, resourceSpans.start, resourceSpans.end)) {
      if (scopeSpans.field !== 2) continue;
      for (const span of readLengthDelimited(body, scopeSpans.start, scopeSpans.end)) {
        if (span.field !== 2) continue;
        counts.spans += 1;
        for (const spanField of readLengthDelimited(body, span.start, span.end)) {
          if (spanField.field === 1) traceIds.add(body.subarray(spanField.start, spanField.end).toString('hex'));
        }
      }
    }
  }
}

function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    const wire = Buffer.concat(parts);
    // A gzip export (OTEL_EXPORTER_OTLP_COMPRESSION=gzip) is counted as Langfuse reads it, decompressed.
    let body = wire;
    if (req.headers['content-encoding'] === 'gzip') {
      try {
        body = gunzipSync(wire);
      } catch {
        counts.unparsable += 1;
      }
    }
    const isProtobuf = (req.headers['content-type'] ?? '').includes('protobuf');
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== TRACES_PATH) {
      counts.otherPaths += 1;
      res.writeHead(404).end();
      return;
    }
    counts.exports += 1;
    counts.bytes += wire.length;
    if (!(req.headers.authorization ?? '').startsWith('Basic ')) counts.unauthorized += 1;
    try {
      if (isProtobuf) countProtobufSpans(body);
      else countJsonSpans(body);
    } catch {
      counts.unparsable += 1;
    }
    if (isProtobuf) res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
}

const server = http.createServer(handle);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address ? address.port : undefined);
});

serveCommands({
  stats: () => ({ ...counts, traces: traceIds.size }),
  reset: () => {
    for (const key of Object.keys(counts) as (keyof typeof counts)[]) counts[key] = 0;
    traceIds.clear();
    return true;
  },
});
