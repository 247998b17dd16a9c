import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { readDockerfile } from './helpers/dockerfile';
import { readRepoYaml, REPO_ROOT } from './helpers/repo-files';

interface TemplateService {
  name: string;
  template: string;
  domainKey?: string;
  dependencies?: string[];
  spec: {
    source: { image?: string; source?: string; repo?: number; branch?: string };
    ports?: { id: string; port: number; type: string }[];
    env?: Record<string, { default: string; expose?: boolean }>;
  };
}

interface Template {
  spec: { variables?: { key: string; type: string }[]; services: TemplateService[] };
  localization?: Record<string, { variables?: { key: string }[] }>;
}

// Variables Zeabur itself provides to templates (zeabur-template-doc, docs/REFERENCE.md).
const BUILT_INS = new Set(['PASSWORD', 'CONTAINER_HOSTNAME', 'DATABASE_PORT', 'PORT']);

/** The port a Dockerfile's first literal EXPOSE declares: what Zeabur uses as the service port. */
function readFirstExpose(dockerfile: string): number {
  const expose = readDockerfile(dockerfile).instructions.find((instruction) => instruction.keyword === 'EXPOSE');
  return Number(expose?.args.split(/\s+/)[0]);
}

describe('zeabur/template.yaml', () => {
  const template = readRepoYaml<Template>('zeabur/template.yaml');
  const services = new Map(template.spec.services.map((service) => [service.name, service]));

  it('is valid against the Zeabur template schema subset', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, 'schemas', 'zeabur-template.subset.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    validate(template);
    expect(ajv.errorsText(validate.errors, { separator: '\n' })).toBe('No errors');
  });

  it('deploys the sidecar, LiteLLM and PostgreSQL, and gives only the sidecar a domain', () => {
    expect([...services.keys()].sort()).toEqual(['litellm', 'postgresql', 'sidecar']);
    expect(template.spec.services.filter((service) => service.domainKey).map((service) => service.name)).toEqual(['sidecar']);
    expect(template.spec.variables?.find((variable) => variable.key === services.get('sidecar')?.domainKey)?.type).toBe('DOMAIN');
  });

  it('builds the sidecar and LiteLLM from this one repository, LiteLLM with its thin Dockerfile', () => {
    const sidecar = services.get('sidecar');
    const litellm = services.get('litellm');
    expect(sidecar?.template).toBe('GIT');
    expect(litellm?.template).toBe('GIT');
    expect(litellm?.spec.source).toEqual(sidecar?.spec.source);
    const dockerfilePath = litellm?.spec.env?.ZBPACK_DOCKERFILE_PATH?.default ?? '';
    expect(dockerfilePath).toBe('litellm/Dockerfile');
    expect(existsSync(join(REPO_ROOT, dockerfilePath))).toBe(true);
    expect(sidecar?.spec.env?.ZBPACK_DOCKERFILE_PATH).toBeUndefined();
  });

  it('declares the ports the Dockerfiles EXPOSE first, which is how Zeabur detects them', () => {
    expect(services.get('sidecar')?.spec.ports?.[0]?.port).toBe(readFirstExpose('Dockerfile'));
    expect(services.get('litellm')?.spec.ports?.[0]?.port).toBe(readFirstExpose('litellm/Dockerfile'));
  });

  it('points the sidecar at LiteLLM over the private network', () => {
    const litellmPort = services.get('litellm')?.spec.ports?.[0]?.port;
    expect(services.get('sidecar')?.spec.env?.LITELLM_BASE_URL?.default).toBe(`http://litellm.zeabur.internal:${litellmPort}`);
    expect(services.get('sidecar')?.dependencies).toContain('litellm');
    expect(services.get('litellm')?.dependencies).toContain('postgresql');
  });

  it('gives LiteLLM a PostgreSQL DATABASE_URL, its admin UI off, and a generated master key', () => {
    const env = services.get('litellm')?.spec.env ?? {};
    expect(env.DATABASE_URL?.default).toMatch(/^postgresql:\/\//);
    expect(env.DISABLE_ADMIN_UI?.default).toBe('True');
    expect(env.LITELLM_MASTER_KEY?.default).toBe('sk-${PASSWORD}');
    expect(services.get('postgresql')?.spec.source.image).toMatch(/^postgres:\d+/);
  });

  it('only references variables that a user enters, a dependency exposes, or Zeabur provides', () => {
    const userVariables = new Set((template.spec.variables ?? []).map((variable) => variable.key));
    for (const service of template.spec.services) {
      const exposedByDependencies = new Set(
        (service.dependencies ?? []).flatMap((name) =>
          Object.entries(services.get(name)?.spec.env ?? {}).filter(([, value]) => value.expose).map(([key]) => key),
        ),
      );
      for (const [key, value] of Object.entries(service.spec.env ?? {})) {
        for (const match of value.default.matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)) {
          const name = match[1] ?? '';
          const known = userVariables.has(name) || exposedByDependencies.has(name) || BUILT_INS.has(name) || name.startsWith('ZEABUR_');
          expect({ service: service.name, key, name, known }).toEqual({ service: service.name, key, name, known: true });
        }
      }
    }
  });

  it('translates every user variable in each localization', () => {
    const keys = (template.spec.variables ?? []).map((variable) => variable.key).sort();
    for (const [locale, content] of Object.entries(template.localization ?? {})) {
      expect({ locale, keys: (content.variables ?? []).map((variable) => variable.key).sort() }).toEqual({ locale, keys });
    }
  });
});
