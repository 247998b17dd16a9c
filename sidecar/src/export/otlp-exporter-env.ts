/**
 * OpenTelemetry's exporter variables (opentelemetry-specification, protocol/exporter.md), read so the sidecar can
 * send to an OpenTelemetry Collector instead of straight to Langfuse. The signal-specific variable
 * (`OTEL_EXPORTER_OTLP_TRACES_*`) wins over the general one (`OTEL_EXPORTER_OTLP_*`); headers are merged key by key.
 */

/** Where and how the default project's traces are exported, when the OTLP variables say so. */
export interface OtlpExporterEnv {
  /** The full traces URL: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  tracesUrl?: string;
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMs?: number;
}

const pick = (env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined => {
  for (const candidate of [`OTEL_EXPORTER_OTLP_TRACES_${name}`, `OTEL_EXPORTER_OTLP_${name}`]) {
    const value = env[candidate]?.trim();
    if (value) return { name: candidate, value };
  }
  return undefined;
};

function readEndpoint(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const general = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const [name, raw] = signal ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signal] : general ? ['OTEL_EXPORTER_OTLP_ENDPOINT', general] : [];
  if (name === undefined || raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name}: must be an http(s) URL`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${name}: must be an http(s) URL (the sidecar speaks OTLP/HTTP; a Collector's otlp receiver listens on :4318 for it)`);
    return undefined;
  }
  // The spec: the signal-specific endpoint is used as is; the general one gets the signal's path appended.
  return name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' ? raw : `${raw.replace(/\/+$/, '')}/v1/traces`;
}

/** `key1=value1,key2=value2`, values percent-decoded (the spec's format, W3C Baggage's). Problems never quote a value. */
function readHeaders(env: NodeJS.ProcessEnv, problems: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    raw.split(',').forEach((entry, index) => {
      if (entry.trim() === '') return;
      const equals = entry.indexOf('=');
      const key = equals > 0 ? entry.slice(0, equals).trim().toLowerCase() : '';
      if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) {
        problems.push(`${name}: entry ${index + 1} is not key=value with a valid header name`);
        return;
      }
      try {
        headers[key] = decodeURIComponent(entry.slice(equals + 1).trim());
      } catch {
        problems.push(`${name}: the value of "${key}" is not valid percent-encoding`);
      }
    });
  }
  for (const reserved of ['content-type', 'content-length', 'content-encoding']) {
    if (reserved in headers) problems.push(`OTEL_EXPORTER_OTLP_HEADERS: "${reserved}" is set by the sidecar itself and cannot be overridden`);
  }
  return headers;
}

/** Reads the OTLP exporter variables; every problem is named, and none quotes a header's value (it may be a token). */
export function readOtlpExporterEnv(env: NodeJS.ProcessEnv): { exporter: OtlpExporterEnv; problems: string[] } {
  const problems: string[] = [];
  const tracesUrl = readEndpoint(env, problems);
  const headers = readHeaders(env, problems);
  const protocol = pick(env, 'PROTOCOL');
  if (protocol && protocol.value !== 'http/protobuf') {
    problems.push(`${protocol.name}: only http/protobuf is supported (the sidecar writes OTLP protobuf over HTTP itself), got "${protocol.value}"`);
  }
  const compressionValue = pick(env, 'COMPRESSION');
  let compression: 'gzip' | 'none' = 'none';
  if (compressionValue) {
    const lowered = compressionValue.value.toLowerCase();
    if (lowered === 'gzip' || lowered === 'none') compression = lowered;
    else problems.push(`${compressionValue.name}: must be gzip or none, got "${compressionValue.value}"`);
  }
  const timeout = pick(env, 'TIMEOUT');
  let timeoutMs: number | undefined;
  if (timeout) {
    const parsed = Number(timeout.value);
    if (!Number.isInteger(parsed) || parsed < 1) problems.push(`${timeout.name}: must be a whole number of milliseconds, got "${timeout.value}"`);
    else timeoutMs = parsed;
  }
  if (timeout && env.SIDECAR_EXPORT_TIMEOUT_MS?.trim()) problems.push(`${timeout.name}: SIDECAR_EXPORT_TIMEOUT_MS is set too; set one of them`);
  if (Object.keys(headers).length > 0 && !tracesUrl) problems.push('OTEL_EXPORTER_OTLP_HEADERS: has no effect without OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  return { exporter: { tracesUrl, headers, compression, timeoutMs }, problems };
}
