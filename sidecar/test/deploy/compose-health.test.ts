import { loadConfig } from '../../src/config';
import { parseComposeDuration, readCompose, type ComposeService } from './helpers/repo-files';

/** A healthcheck's command as one string, whatever its form. */
function readHealthcheck(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

describe('docker-compose.yml health, start order and shutdown', () => {
  const { services, volumes } = readCompose();

  it.each(Object.keys(services))('%s has a healthcheck and a restart policy', (name) => {
    const service = services[name] as ComposeService;
    expect(service.healthcheck?.disable).not.toBe(true);
    expect(Array.isArray(service.healthcheck?.test) ? service.healthcheck.test[0] : undefined).toMatch(/^CMD(-SHELL)?$/);
    expect(service.restart).toMatch(/^(always|unless-stopped|on-failure(:\d+)?)$/);
  });

  it('starts every service only after its dependencies report healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      const dependsOn = service.depends_on ?? {};
      expect({ name, isMap: !Array.isArray(dependsOn) }).toEqual({ name, isMap: true });
      for (const [dependency, rule] of Object.entries(dependsOn)) {
        expect({ name, dependency, condition: (rule as { condition?: string }).condition }).toEqual({ name, dependency, condition: 'service_healthy' });
      }
    }
    expect(Object.keys(services.sidecar?.depends_on ?? {})).toEqual(['litellm']);
    expect(Object.keys(services.litellm?.depends_on ?? {})).toEqual(['postgres']);
  });

  it('checks LiteLLM on /health/liveliness, never /health (which calls every model), with Python rather than curl', () => {
    const check = readHealthcheck(services.litellm as ComposeService);
    expect(check).toMatch(/\/health\/(liveliness|readiness)/);
    expect(check).not.toMatch(/\/health['"\s)]/);
    expect(check).toContain('urllib');
    expect(check).not.toMatch(/\b(curl|wget)\b/);
  });

  it('checks the sidecar on /_sidecar/health with Node, since the slim image has no curl', () => {
    const check = readHealthcheck(services.sidecar as ComposeService);
    expect(check).toContain('/_sidecar/health');
    expect(check).toMatch(/^CMD node -e /);
  });

  it('checks Postgres over TCP (pg_isready -h 127.0.0.1), not the socket that is up during initdb', () => {
    expect(readHealthcheck(services.postgres as ComposeService)).toContain('pg_isready -h 127.0.0.1');
    expect(readHealthcheck(services['langfuse-postgres'] as ComposeService)).toContain('pg_isready -h 127.0.0.1');
  });

  it('runs the sidecar and LiteLLM under an init, so SIGTERM reaches the process and it can drain', () => {
    expect(services.sidecar?.init).toBe(true);
    expect(services.litellm?.init).toBe(true);
  });

  it('gives the sidecar longer to stop than its own drain deadline', () => {
    const drainMs = loadConfig({}).shutdownGraceMs;
    expect(parseComposeDuration(services.sidecar?.stop_grace_period ?? '10s')).toBeGreaterThan(drainMs);
  });

  it('keeps database data in named volumes', () => {
    const named = Object.keys(volumes ?? {});
    for (const name of ['postgres', 'langfuse-postgres', 'langfuse-clickhouse', 'langfuse-minio']) {
      const mounts = (services[name]?.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[0] : volume.source));
      expect(mounts.length).toBeGreaterThan(0);
      for (const source of mounts) expect(named).toContain(source);
    }
  });
});
