import { z } from 'zod';
import { envBoolean, envInteger, envLangfuseEnvironment, envRatio, envTagKeys, envUrl, maskUrlCredentials, optionalString } from './config-values';
import { readOtlpExporterEnv, type OtlpExporterEnv } from './export/otlp-exporter-env';
import { loadProjectsFile, type ProjectsConfig } from './projects/projects-file';

export { ATTRIBUTION_TAG_KEYS, maskUrlCredentials } from './config-values';

/** Every variable the sidecar reads; README.md and env.example document the same list. */
const envSchema = z.object({
  PORT: envInteger(4000, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  LITELLM_BASE_URL: envUrl('http://127.0.0.1:4001'),
  // Optional: with it, virtual keys are attributed to their alias, team and user through LiteLLM's /key/info.
  LITELLM_MASTER_KEY: optionalString,
  SIDECAR_KEY_INFO_TTL_MS: envInteger(300_000, 1000, 86_400_000),
  // LiteLLM's `langfuse_default_tags`: attribution metadata keys whose values also become `key:value` trace tags.
  SIDECAR_LANGFUSE_DEFAULT_TAGS: envTagKeys('user_api_key_alias,user_api_key_team_alias'),
  LANGFUSE_PUBLIC_KEY: optionalString,
  LANGFUSE_SECRET_KEY: optionalString,
  LANGFUSE_BASE_URL: envUrl(),
  LANGFUSE_HOST: envUrl(),
  LANGFUSE_TRACING_ENVIRONMENT: envLangfuseEnvironment,
  LANGFUSE_RELEASE: optionalString,
  // The Langfuse SDKs' variable; the same rate on the same trace id keeps or drops a call with its caller.
  LANGFUSE_SAMPLE_RATE: envRatio(1),
  // Per-project routing (docs/attribution.md): a routing file, and LiteLLM's per-request Langfuse credentials.
  SIDECAR_PROJECTS_FILE: optionalString,
  SIDECAR_REQUEST_PROJECTS: envBoolean(true),
  SIDECAR_REQUEST_PROJECT_HOSTS: optionalString,
  SIDECAR_MAX_REQUEST_PROJECTS: envInteger(8, 0, 256),
  SIDECAR_TRACE_ALL_ROUTES: envBoolean(false),
  SIDECAR_REDACT_MESSAGES: envBoolean(false),
  SIDECAR_CAPTURE_MAX_BYTES: envInteger(1024 * 1024, 0, 256 * 1024 * 1024),
  SIDECAR_UPSTREAM_TIMEOUT_MS: envInteger(600_000, 1),
  // LiteLLM (uvicorn) closes a connection idle for 5 s; 4 s leaves a second of margin, as undici's default does.
  SIDECAR_UPSTREAM_IDLE_TIMEOUT_MS: envInteger(4000, 100, 3_600_000),
  SIDECAR_RESEND_ON_RESET: envBoolean(true),
  SIDECAR_RESEND_MAX_BODY_BYTES: envInteger(4 * 1024 * 1024, 0, 256 * 1024 * 1024),
  SIDECAR_SHUTDOWN_GRACE_MS: envInteger(25_000, 0),
  SIDECAR_EXPORT_BATCH_SIZE: envInteger(256, 1, 10_000),
  SIDECAR_EXPORT_INTERVAL_MS: envInteger(1000, 1),
  SIDECAR_EXPORT_QUEUE_MAX: envInteger(10_000, 1),
  SIDECAR_EXPORT_QUEUE_MAX_BYTES: envInteger(64 * 1024 * 1024, 1024),
  SIDECAR_EXPORT_TIMEOUT_MS: envInteger(10_000, 1),
  // 2 in flight keeps small calls cheapest. At ~300 MB/s of 1 MiB prompts 2 could not keep up and the byte
  // bound dropped traces, where 8 dropped none (bench, 2026-11-29; docs/performance.md): raise it for such traffic.
  SIDECAR_EXPORT_CONCURRENCY: envInteger(2, 1, 64),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

/** Langfuse credentials and where to send traces; absent when tracing is off. */
export interface LangfuseOptions {
  baseUrl: string;
  /** Absent only when an OTLP endpoint is set: a Collector in between then authenticates to Langfuse. */
  publicKey?: string;
  secretKey?: string;
  /** Where the default project's traces go: Langfuse's OTLP route, or OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT. */
  tracesUrl: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, for that endpoint. */
  headers: Record<string, string>;
  /** OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION, for every project's exports. */
  compression: 'gzip' | 'none';
  environment?: string;
  release?: string;
  /** Share of traces kept, decided from the trace id (trace/sample-trace.ts); 1 keeps every call. */
  sampleRate: number;
}

/** Export queue and batching limits: the bound on what tracing may hold in memory. */
export interface ExportOptions {
  batchSize: number;
  intervalMs: number;
  queueMax: number;
  queueMaxBytes: number;
  timeoutMs: number;
  concurrency: number;
}

/** Key, team and user attribution through LiteLLM's management API; absent without LITELLM_MASTER_KEY. */
export interface AttributionOptions {
  masterKey: string;
  ttlMs: number;
  /** Attribution metadata keys also sent as `key:value` tags. */
  defaultTags: string[];
}

/** LiteLLM's per-request Langfuse credentials (`langfuse_public_key`, `langfuse_secret_key`, `langfuse_host`). */
export interface RequestProjectOptions {
  enabled: boolean;
  /** Origins a request may name as `langfuse_host`; the default Langfuse's origin unless listed otherwise. */
  allowedOrigins: string[];
  /** Export lanes opened for per-request projects at most (each bounded like the default one). */
  maxLanes: number;
}

/** The sidecar's whole configuration, parsed once at start-up. */
export interface Config {
  port: number;
  host: string;
  upstreamUrl: URL;
  langfuse?: LangfuseOptions;
  attribution?: AttributionOptions;
  /** The routing file's projects and routes (SIDECAR_PROJECTS_FILE). */
  projects?: ProjectsConfig;
  requestProjects: RequestProjectOptions;
  traceAllRoutes: boolean;
  redactMessages: boolean;
  captureMaxBytes: number;
  upstreamTimeoutMs: number;
  upstreamIdleTimeoutMs: number;
  resendOnReset: boolean;
  resendMaxBodyBytes: number;
  shutdownGraceMs: number;
  export: ExportOptions;
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
}

/** Thrown when the environment is invalid; the message names every wrong variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a Config, or throws a ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  const publicKey = optionalString.parse(env.LANGFUSE_PUBLIC_KEY);
  const secretKey = optionalString.parse(env.LANGFUSE_SECRET_KEY);
  if (Boolean(publicKey) !== Boolean(secretKey)) {
    const missing = publicKey ? 'LANGFUSE_SECRET_KEY' : 'LANGFUSE_PUBLIC_KEY';
    problems.push(`${missing}: is required when ${missing === 'LANGFUSE_SECRET_KEY' ? 'LANGFUSE_PUBLIC_KEY' : 'LANGFUSE_SECRET_KEY'} is set (set both to trace, neither to only proxy)`);
  }
  const e = parsed.success ? parsed.data : undefined;
  const langfuseBaseUrl = e?.LANGFUSE_BASE_URL ?? e?.LANGFUSE_HOST ?? 'https://cloud.langfuse.com';
  const otlp = readOtlpExporterEnv(env);
  problems.push(...otlp.problems);
  const exporter: OtlpExporterEnv = otlp.exporter;
  const tracing = Boolean(publicKey && secretKey) || exporter.tracesUrl !== undefined;
  let projects: ProjectsConfig | undefined;
  if (e?.SIDECAR_PROJECTS_FILE) {
    if (!tracing) problems.push('SIDECAR_PROJECTS_FILE: needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY (or an OTLP endpoint) too: the project for calls no route matches');
    const loaded = loadProjectsFile(e.SIDECAR_PROJECTS_FILE, env, langfuseBaseUrl);
    problems.push(...loaded.problems);
    projects = loaded.config;
  }
  const allowedOrigins: string[] = [];
  for (const origin of (e?.SIDECAR_REQUEST_PROJECT_HOSTS ?? langfuseBaseUrl).split(',').map((item) => item.trim()).filter(Boolean)) {
    try {
      allowedOrigins.push(new URL(origin).origin);
    } catch {
      problems.push(`SIDECAR_REQUEST_PROJECT_HOSTS: "${maskUrlCredentials(origin)}" is not a URL (list origins such as https://cloud.langfuse.com, comma-separated)`);
    }
  }
  if (problems.length > 0 || !e) throw new ConfigError(problems);
  return {
    port: e.PORT,
    host: e.HOST,
    upstreamUrl: new URL(e.LITELLM_BASE_URL as string),
    langfuse: tracing
      ? {
          baseUrl: langfuseBaseUrl,
          publicKey: e.LANGFUSE_PUBLIC_KEY,
          secretKey: e.LANGFUSE_SECRET_KEY,
          tracesUrl: exporter.tracesUrl ?? `${langfuseBaseUrl}/api/public/otel/v1/traces`,
          headers: exporter.headers,
          compression: exporter.compression,
          environment: e.LANGFUSE_TRACING_ENVIRONMENT,
          release: e.LANGFUSE_RELEASE,
          sampleRate: e.LANGFUSE_SAMPLE_RATE,
        }
      : undefined,
    attribution: e.LITELLM_MASTER_KEY ? { masterKey: e.LITELLM_MASTER_KEY, ttlMs: e.SIDECAR_KEY_INFO_TTL_MS, defaultTags: e.SIDECAR_LANGFUSE_DEFAULT_TAGS } : undefined,
    projects,
    requestProjects: { enabled: e.SIDECAR_REQUEST_PROJECTS, allowedOrigins, maxLanes: e.SIDECAR_MAX_REQUEST_PROJECTS },
    traceAllRoutes: e.SIDECAR_TRACE_ALL_ROUTES,
    redactMessages: e.SIDECAR_REDACT_MESSAGES,
    captureMaxBytes: e.SIDECAR_CAPTURE_MAX_BYTES,
    upstreamTimeoutMs: e.SIDECAR_UPSTREAM_TIMEOUT_MS,
    upstreamIdleTimeoutMs: e.SIDECAR_UPSTREAM_IDLE_TIMEOUT_MS,
    resendOnReset: e.SIDECAR_RESEND_ON_RESET,
    resendMaxBodyBytes: e.SIDECAR_RESEND_MAX_BODY_BYTES,
    shutdownGraceMs: e.SIDECAR_SHUTDOWN_GRACE_MS,
    export: {
      batchSize: e.SIDECAR_EXPORT_BATCH_SIZE,
      intervalMs: e.SIDECAR_EXPORT_INTERVAL_MS,
      queueMax: e.SIDECAR_EXPORT_QUEUE_MAX,
      queueMaxBytes: e.SIDECAR_EXPORT_QUEUE_MAX_BYTES,
      timeoutMs: exporter.timeoutMs ?? e.SIDECAR_EXPORT_TIMEOUT_MS,
      concurrency: e.SIDECAR_EXPORT_CONCURRENCY,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
  };
}
