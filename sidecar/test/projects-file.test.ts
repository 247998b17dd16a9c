import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const KEYS = { LANGFUSE_PUBLIC_KEY: 'pk-lf-1', LANGFUSE_SECRET_KEY: 'sk-lf-1' };

/** SIDECAR_PROJECTS_FILE is validated at start-up like the rest of the config: every problem named, no secret shown. */
describe('the routing file', () => {
  let dir: string;
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('accepted');
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sidecar-projects-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a valid JSON file is resolved: secrets from the environment, base URL defaulting to the default project', () => {
    const file = write('p.json', JSON.stringify({ projects: [{ name: 'search', public_key: 'pk-lf-s', secret_key_env: 'SEARCH_SECRET' }], routes: [{ project: 'search', key_alias: ['search-prod', 'search-dev'] }] }));
    const config = loadConfig({ ...KEYS, LANGFUSE_BASE_URL: 'https://eu.cloud.langfuse.com/', SIDECAR_PROJECTS_FILE: file, SEARCH_SECRET: 'sk-lf-s' });
    expect(config.projects).toEqual({
      projects: [{ name: 'search', publicKey: 'pk-lf-s', secretKey: 'sk-lf-s', baseUrl: 'https://eu.cloud.langfuse.com' }],
      routes: [{ project: 'search', keyAlias: ['search-prod', 'search-dev'], teamAlias: undefined, teamId: undefined, tag: undefined }],
    });
  });

  test('every mistake is named by its place in the file; a missing secret names the variable, not a value', () => {
    const file = write(
      'p.yaml',
      [
        'projects:',
        '  - name: a',
        '    public_key: pk-lf-a',
        '    secret_key_env: A_SECRET',
        '  - name: a',
        '    public_key: pk-lf-a2',
        '    secret_key: sk-lf-inline-secret',
        '    secret_key_env: ALSO',
        'routes:',
        '  - project: nowhere',
        '    tag: x',
        '  - project: a',
        '',
      ].join('\n'),
    );
    const problems = problemsOf({ ...KEYS, SIDECAR_PROJECTS_FILE: file });
    expect(problems).toEqual([
      `SIDECAR_PROJECTS_FILE (${file}): projects.1: needs exactly one of secret_key and secret_key_env`,
      `SIDECAR_PROJECTS_FILE (${file}): routes.1: needs at least one of key_alias, team_alias, team_id and tag`,
    ]);
    expect(problems.join('\n')).not.toContain('sk-lf-inline-secret');
    const second = write('q.yaml', 'projects:\n  - {name: a, public_key: pk, secret_key_env: A_SECRET}\n  - {name: a, public_key: pk2, secret_key: s}\nroutes:\n  - {project: nowhere, tag: x}\n');
    expect(problemsOf({ ...KEYS, SIDECAR_PROJECTS_FILE: second })).toEqual([
      `SIDECAR_PROJECTS_FILE (${second}): projects.0.secret_key_env: A_SECRET is not set`,
      `SIDECAR_PROJECTS_FILE (${second}): projects.1.name: "a" is named twice`,
      `SIDECAR_PROJECTS_FILE (${second}): routes.0.project: no project is named "nowhere"`,
    ]);
  });

  test('an unreadable file, bad YAML, unknown keys, and a file without the default keys', () => {
    expect(problemsOf({ ...KEYS, SIDECAR_PROJECTS_FILE: join(dir, 'missing.json') })[0]).toMatch(/^SIDECAR_PROJECTS_FILE \(.*missing\.json\): cannot be read as JSON: ENOENT/);
    expect(problemsOf({ ...KEYS, SIDECAR_PROJECTS_FILE: write('bad.yml', 'projects: [\n') })[0]).toMatch(/cannot be read as YAML/);
    expect(problemsOf({ ...KEYS, SIDECAR_PROJECTS_FILE: write('typo.json', JSON.stringify({ projects: [{ name: 'a', public_key: 'p', secret_key: 's', url: 'http://x' }] })) })).toEqual([
      expect.stringContaining('projects.0: Unrecognized key: "url"'),
    ]);
    const ok = write('ok.json', JSON.stringify({ projects: [{ name: 'a', public_key: 'p', secret_key: 's' }] }));
    expect(problemsOf({ SIDECAR_PROJECTS_FILE: ok })).toEqual(['SIDECAR_PROJECTS_FILE: needs LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY (or an OTLP endpoint) too: the project for calls no route matches']);
  });

  test('SIDECAR_REQUEST_PROJECT_HOSTS lists origins; anything else is refused by name', () => {
    expect(loadConfig({ ...KEYS, SIDECAR_REQUEST_PROJECT_HOSTS: 'https://a.example.com/path, http://b.internal:3000' }).requestProjects.allowedOrigins).toEqual(['https://a.example.com', 'http://b.internal:3000']);
    expect(problemsOf({ ...KEYS, SIDECAR_REQUEST_PROJECT_HOSTS: 'not a url' })).toEqual(['SIDECAR_REQUEST_PROJECT_HOSTS: "not a url" is not a URL (list origins such as https://cloud.langfuse.com, comma-separated)']);
  });
});
