import { loadConfig } from '../../src/config';
import { interpolateCompose } from './helpers/compose-interpolation';
import { readCompose, readServiceEnvironment } from './helpers/repo-files';

/** The environment Compose would hand a service when `.env` and the shell hold `dotEnv`. */
function resolveServiceEnv(serviceName: string, dotEnv: Record<string, string> = {}): Record<string, string> {
  const service = readCompose().services[serviceName];
  if (!service) throw new Error(`no service ${serviceName}`);
  const raw = readServiceEnvironment(service);
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolateCompose(value, dotEnv)]));
}

describe('the sidecar environment in docker-compose.yml', () => {
  it('is a valid sidecar configuration with no .env at all, equal to the sidecar defaults', () => {
    const config = loadConfig(resolveServiceEnv('sidecar'));
    const defaults = loadConfig({ LITELLM_BASE_URL: 'http://litellm:4000' });
    expect(config.upstreamUrl.href).toBe('http://litellm:4000/');
    expect(config.port).toBe(4000);
    // Per-request projects may only name the default Langfuse's origin, whichever it is.
    expect(config.requestProjects.allowedOrigins).toEqual(['http://langfuse-web:3000']);
    const withoutOrigins = (c: typeof config) => ({ ...c.requestProjects, allowedOrigins: [] });
    expect({ ...config, langfuse: undefined, attribution: undefined, logFormat: 'auto', requestProjects: withoutOrigins(config) }).toEqual({ ...defaults, langfuse: undefined, requestProjects: withoutOrigins(defaults) });
  });

  it("attributes keys through LiteLLM's database with the same master key LiteLLM gets", () => {
    const sidecar = loadConfig(resolveServiceEnv('sidecar', { LITELLM_MASTER_KEY: 'sk-team-master' }));
    expect(sidecar.attribution).toEqual({ masterKey: 'sk-team-master', ttlMs: 300_000, defaultTags: ['user_api_key_alias', 'user_api_key_team_alias'] });
    expect(resolveServiceEnv('litellm', { LITELLM_MASTER_KEY: 'sk-team-master' }).LITELLM_MASTER_KEY).toBe('sk-team-master');
    expect(resolveServiceEnv('litellm').DATABASE_URL).toMatch(/^postgres/);
  });

  it('traces to the local Langfuse of the profile by default, with the keys that profile creates', () => {
    const sidecar = loadConfig(resolveServiceEnv('sidecar'));
    const web = resolveServiceEnv('langfuse-web');
    expect(sidecar.langfuse).toMatchObject({
      baseUrl: 'http://langfuse-web:3000',
      publicKey: web.LANGFUSE_INIT_PROJECT_PUBLIC_KEY,
      secretKey: web.LANGFUSE_INIT_PROJECT_SECRET_KEY,
    });
    expect(web.LANGFUSE_INIT_PROJECT_PUBLIC_KEY).toMatch(/^pk-lf-/);
    expect(web.LANGFUSE_INIT_PROJECT_SECRET_KEY).toMatch(/^sk-lf-/);
  });

  it('sends traces to Langfuse Cloud when .env sets LANGFUSE_BASE_URL and the keys', () => {
    const config = loadConfig(
      resolveServiceEnv('sidecar', { LANGFUSE_BASE_URL: 'https://cloud.langfuse.com', LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-1' }),
    );
    expect(config.langfuse).toMatchObject({ baseUrl: 'https://cloud.langfuse.com', publicKey: 'pk-lf-1', secretKey: 'sk-lf-1' });
  });

  it('still honours the older LANGFUSE_HOST name', () => {
    const config = loadConfig(resolveServiceEnv('sidecar', { LANGFUSE_HOST: 'https://us.cloud.langfuse.com', LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-1' }));
    expect(config.langfuse?.baseUrl).toBe('https://us.cloud.langfuse.com');
  });

  it('runs as a plain proxy when .env sets both keys to empty values', () => {
    const config = loadConfig(resolveServiceEnv('sidecar', { LANGFUSE_PUBLIC_KEY: '', LANGFUSE_SECRET_KEY: '' }));
    expect(config.langfuse).toBeUndefined();
  });

  it('passes every sidecar setting through from .env', () => {
    const config = loadConfig(resolveServiceEnv('sidecar', { SIDECAR_REDACT_MESSAGES: 'true', SIDECAR_EXPORT_CONCURRENCY: '4', LOG_LEVEL: 'debug' }));
    expect(config).toMatchObject({ redactMessages: true, export: { concurrency: 4 }, logLevel: 'debug' });
  });

  it('gives LiteLLM a PostgreSQL DATABASE_URL built from the same values as the postgres service', () => {
    const litellm = resolveServiceEnv('litellm', { POSTGRES_PASSWORD: 's3cret' });
    const postgres = resolveServiceEnv('postgres', { POSTGRES_PASSWORD: 's3cret' });
    const url = new URL(litellm.DATABASE_URL ?? '');
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('postgres');
    expect({ user: url.username, password: url.password, db: url.pathname.slice(1) }).toEqual({
      user: postgres.POSTGRES_USER,
      password: postgres.POSTGRES_PASSWORD,
      db: postgres.POSTGRES_DB,
    });
  });
});
