import { ConfigError, loadConfig } from '../src/config';

const KEYS = { LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-1' };

/** The ConfigError loadConfig throws for `env`, or fails the test. */
function catchConfigError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults: proxy only, no tracing', () => {
    const config = loadConfig({});
    expect({ ...config, upstreamUrl: config.upstreamUrl.href }).toEqual({
      port: 4000,
      host: '0.0.0.0',
      upstreamUrl: 'http://127.0.0.1:4001/',
      langfuse: undefined,
      attribution: undefined,
      projects: undefined,
      requestProjects: { enabled: true, allowedOrigins: ['https://cloud.langfuse.com'], maxLanes: 8 },
      traceAllRoutes: false,
      redactMessages: false,
      captureMaxBytes: 1048576,
      upstreamTimeoutMs: 600000,
      upstreamIdleTimeoutMs: 4000,
      resendOnReset: true,
      resendMaxBodyBytes: 4194304,
      shutdownGraceMs: 25000,
      export: { batchSize: 256, intervalMs: 1000, queueMax: 10000, queueMaxBytes: 67108864, timeoutMs: 10000, concurrency: 2 },
      logLevel: 'info',
      logFormat: 'auto',
    });
  });

  test('both keys turn tracing on against Langfuse Cloud by default, with environment and release', () => {
    const config = loadConfig({ ...KEYS, LANGFUSE_TRACING_ENVIRONMENT: 'prod', LANGFUSE_RELEASE: '1.2.3' });
    expect(config.langfuse).toEqual({ baseUrl: 'https://cloud.langfuse.com', publicKey: 'pk-lf-1', secretKey: 'sk-lf-1', environment: 'prod', release: '1.2.3', sampleRate: 1, tracesUrl: 'https://cloud.langfuse.com/api/public/otel/v1/traces', headers: {}, compression: 'none' });
  });

  test('LANGFUSE_SAMPLE_RATE is a share from 0 to 1; anything else is refused by name', () => {
    expect(loadConfig({ ...KEYS, LANGFUSE_SAMPLE_RATE: '0.25' }).langfuse?.sampleRate).toBe(0.25);
    expect(loadConfig({ ...KEYS, LANGFUSE_SAMPLE_RATE: '0' }).langfuse?.sampleRate).toBe(0);
    for (const value of ['1.5', '-0.1', 'half', 'NaN']) {
      expect(catchConfigError({ ...KEYS, LANGFUSE_SAMPLE_RATE: value }).problems).toEqual([`LANGFUSE_SAMPLE_RATE: must be a number from 0 to 1 (the share of traces kept), got "${value}"`]);
    }
  });

  test.each([
    ['Staging EU', 'a space'],
    ['langfuse-prod', 'the reserved prefix'],
    ['e'.repeat(41), '41 characters'],
    ['prod/eu', 'a slash'],
  ])('LANGFUSE_TRACING_ENVIRONMENT=%j (%s) is refused with Langfuse\'s rule, not stored as "default"', (value) => {
    const error = catchConfigError({ ...KEYS, LANGFUSE_TRACING_ENVIRONMENT: value });
    expect(error.problems).toEqual([`LANGFUSE_TRACING_ENVIRONMENT: must be at most 40 characters of a-z, 0-9, "-" and "_", not starting with "langfuse" (Langfuse's rule: it would store "${value}" as "default")`]);
  });

  test('LANGFUSE_TRACING_ENVIRONMENT is lowercased as Langfuse does; 40 characters of its alphabet pass', () => {
    expect(loadConfig({ ...KEYS, LANGFUSE_TRACING_ENVIRONMENT: 'Production' }).langfuse?.environment).toBe('production');
    const longest = `eu_west-${'1'.repeat(32)}`;
    expect(loadConfig({ ...KEYS, LANGFUSE_TRACING_ENVIRONMENT: longest }).langfuse?.environment).toBe(longest);
  });

  test('LANGFUSE_HOST is accepted as the legacy name of LANGFUSE_BASE_URL, which wins when both are set', () => {
    expect(loadConfig({ ...KEYS, LANGFUSE_HOST: 'http://langfuse.local:3000/' }).langfuse?.baseUrl).toBe('http://langfuse.local:3000');
    expect(loadConfig({ ...KEYS, LANGFUSE_HOST: 'http://old.example', LANGFUSE_BASE_URL: 'https://new.example' }).langfuse?.baseUrl).toBe('https://new.example');
  });

  test('every variable is read and parsed', () => {
    const config = loadConfig({
      ...KEYS,
      PORT: '0',
      HOST: '127.0.0.1',
      LITELLM_BASE_URL: 'http://litellm:4000/base/',
      SIDECAR_TRACE_ALL_ROUTES: 'true',
      SIDECAR_REDACT_MESSAGES: '1',
      SIDECAR_CAPTURE_MAX_BYTES: '0',
      SIDECAR_UPSTREAM_TIMEOUT_MS: '5000',
      SIDECAR_UPSTREAM_IDLE_TIMEOUT_MS: '1000',
      SIDECAR_RESEND_ON_RESET: 'false',
      SIDECAR_RESEND_MAX_BODY_BYTES: '0',
      SIDECAR_SHUTDOWN_GRACE_MS: '0',
      SIDECAR_EXPORT_BATCH_SIZE: '10',
      SIDECAR_EXPORT_INTERVAL_MS: '50',
      SIDECAR_EXPORT_QUEUE_MAX: '3',
      SIDECAR_EXPORT_QUEUE_MAX_BYTES: '2048',
      SIDECAR_EXPORT_TIMEOUT_MS: '100',
      SIDECAR_EXPORT_CONCURRENCY: '4',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
    });
    expect(config).toMatchObject({ port: 0, host: '127.0.0.1', traceAllRoutes: true, redactMessages: true, captureMaxBytes: 0, upstreamTimeoutMs: 5000, upstreamIdleTimeoutMs: 1000, resendOnReset: false, resendMaxBodyBytes: 0, shutdownGraceMs: 0, logLevel: 'debug', logFormat: 'json' });
    expect(config.upstreamUrl.href).toBe('http://litellm:4000/base');
    expect(config.export).toEqual({ batchSize: 10, intervalMs: 50, queueMax: 3, queueMaxBytes: 2048, timeoutMs: 100, concurrency: 4 });
  });

  test('blank values count as unset', () => {
    expect(loadConfig({ PORT: '', LANGFUSE_PUBLIC_KEY: ' ', LANGFUSE_SECRET_KEY: '', LITELLM_BASE_URL: '' })).toMatchObject({ port: 4000, langfuse: undefined });
  });

  test.each([
    ['LITELLM_BASE_URL', 'not a url'],
    ['LITELLM_BASE_URL', 'ftp://litellm:21'],
    ['LANGFUSE_BASE_URL', 'cloud.langfuse.com'],
    ['LANGFUSE_HOST', 'http//missing-colon'],
    ['SIDECAR_CAPTURE_MAX_BYTES', '-1'],
    ['SIDECAR_UPSTREAM_TIMEOUT_MS', '1.5'],
    ['SIDECAR_EXPORT_QUEUE_MAX', 'ten'],
    ['SIDECAR_EXPORT_TIMEOUT_MS', '0'],
    ['SIDECAR_UPSTREAM_IDLE_TIMEOUT_MS', '50'],
    ['SIDECAR_RESEND_MAX_BODY_BYTES', '-1'],
    ['PORT', '70000'],
    ['SIDECAR_TRACE_ALL_ROUTES', 'maybe'],
    ['SIDECAR_RESEND_ON_RESET', 'sometimes'],
    ['LOG_LEVEL', 'loud'],
    ['LOG_FORMAT', 'xml'],
  ])('%s=%j is refused, and the message names the variable and the value', (name, value) => {
    const error = catchConfigError({ [name]: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]?.startsWith(`${name}: `)).toBe(true);
    expect(error.message).toContain(name);
    if (!['SIDECAR_TRACE_ALL_ROUTES', 'SIDECAR_RESEND_ON_RESET', 'LOG_LEVEL', 'LOG_FORMAT'].includes(name)) expect(error.message).toContain(value);
  });

  test.each([
    ['LANGFUSE_PUBLIC_KEY', 'LANGFUSE_SECRET_KEY'],
    ['LANGFUSE_SECRET_KEY', 'LANGFUSE_PUBLIC_KEY'],
  ])('half a key pair (only %s) is refused, naming the missing %s', (present, missing) => {
    const error = catchConfigError({ [present]: 'value' });
    expect(error.problems).toEqual([expect.stringMatching(new RegExp(`^${missing}: `))]);
  });

  test('several problems at once are all reported together, one line each', () => {
    const error = catchConfigError({ LITELLM_BASE_URL: '::', SIDECAR_CAPTURE_MAX_BYTES: '-5', PORT: 'eighty', LANGFUSE_PUBLIC_KEY: 'pk-only', LOG_LEVEL: 'verbose' });
    const names = ['LITELLM_BASE_URL', 'SIDECAR_CAPTURE_MAX_BYTES', 'PORT', 'LANGFUSE_SECRET_KEY', 'LOG_LEVEL'];
    expect(error.problems).toHaveLength(names.length);
    for (const name of names) expect(error.problems.some((problem) => problem.startsWith(`${name}: `))).toBe(true);
    expect(error.message.split('\n')).toHaveLength(names.length + 1);
    expect(error.message.startsWith('Invalid configuration:')).toBe(true);
  });

  test('the secret key never appears in a config error message', () => {
    const error = catchConfigError({ LANGFUSE_SECRET_KEY: 'sk-lf-very-secret', PORT: '-1' });
    expect(error.message).not.toContain('sk-lf-very-secret');
  });
});
