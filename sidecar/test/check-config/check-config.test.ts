import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main, parseArgs, runCheckConfig, type CheckConfigOptions } from '../../tools/check-config';
import { listSidecarEnvNames } from '../../tools/env-file-checks';
import { formatProblem } from '../../tools/yaml-walk';

const fixtures = join(__dirname, 'fixtures');
const read = (name: string) => readFileSync(join(fixtures, name), 'utf8');
const valid = { config: read('config.yaml'), env: read('env.example'), compose: read('docker-compose.yml') };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'check-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
/** Writes the three files (valid unless overridden) to a fresh folder and returns their paths. */
function writeCase(overrides: Partial<typeof valid> = {}): CheckConfigOptions {
  const caseDir = join(dir, `case-${(counter += 1)}`);
  const files = { ...valid, ...overrides };
  const options = { config: join(caseDir, 'config.yaml'), env: join(caseDir, 'env.example'), compose: join(caseDir, 'docker-compose.yml') };
  mkdirSync(caseDir);
  writeFileSync(options.config, files.config);
  writeFileSync(options.env, files.env);
  writeFileSync(options.compose, files.compose);
  return options;
}

/** Runs the checks and returns the printed problem lines with the temp folder cut out. */
function check(overrides: Partial<typeof valid> = {}): string[] {
  const options = writeCase(overrides);
  const prefix = `${join(options.config, '..')}/`;
  return runCheckConfig(options).problems.map((p) => formatProblem(p).split(prefix).join(''));
}

describe('check-config', () => {
  it('passes the valid fixtures', () => {
    expect(check()).toEqual([]);
  });

  it('reads the sidecar variable list from sidecar/src/config.ts itself', () => {
    const names = listSidecarEnvNames();
    expect(names).toEqual(expect.arrayContaining(['PORT', 'LITELLM_BASE_URL', 'LANGFUSE_SECRET_KEY', 'SIDECAR_EXPORT_QUEUE_MAX', 'LOG_FORMAT']));
  });

  it('requires every os.environ reference of config.yaml in env.example', () => {
    const env = valid.env.replace('ANTHROPIC_API_KEY=\n', '');
    expect(check({ env })).toEqual([
      'env.example: ANTHROPIC_API_KEY: is missing; config.yaml:10 (model_list[1].litellm_params.api_key) reads os.environ/ANTHROPIC_API_KEY',
    ]);
  });

  it('requires every variable the sidecar reads in env.example', () => {
    const env = valid.env.replace('SIDECAR_EXPORT_CONCURRENCY=2\n', '').replace('# LANGFUSE_HOST=\n', '');
    expect(check({ env })).toEqual([
      'env.example: LANGFUSE_HOST: is missing; the sidecar reads it (sidecar/src/config.ts)',
      'env.example: SIDECAR_EXPORT_CONCURRENCY: is missing; the sidecar reads it (sidecar/src/config.ts)',
    ]);
  });

  it('requires every variable docker-compose.yml interpolates in env.example', () => {
    const compose = valid.compose.replace(
      '      LANGFUSE_SECRET_KEY: ${LANGFUSE_SECRET_KEY}\n',
      '      LANGFUSE_SECRET_KEY: ${LANGFUSE_SECRET_KEY}\n      LANGFUSE_TRACING_ENVIRONMENT: ${DEPLOY_ENV:-production}\n',
    );
    expect(check({ compose })).toEqual([
      'env.example: DEPLOY_ENV: is missing; docker-compose.yml:17 (services.sidecar.environment.LANGFUSE_TRACING_ENVIRONMENT) uses ${DEPLOY_ENV}',
    ]);
  });

  it('treats $$ in docker-compose.yml as an escape, not a variable', () => {
    expect(valid.compose).toContain('$$HOSTNAME');
    expect(check()).toEqual([]);
  });

  it('flags an unknown SIDECAR_* variable in env.example as a likely typo', () => {
    const env = `${valid.env}SIDECAR_REDACT_MESSAGE=true\n`;
    expect(check({ env })).toEqual([
      'env.example:47: SIDECAR_REDACT_MESSAGE: is not read by the sidecar (sidecar/src/config.ts); a typo or a removed setting?',
    ]);
  });

  it('flags malformed and duplicate lines in env.example', () => {
    const env = `${valid.env}PORT=4001\nthis is not an assignment\n`;
    expect(check({ env })).toEqual(['env.example:47: PORT: is set twice (first on line 5)', 'env.example:48: this is not an assignment: is not a NAME=value line']);
  });

  it('reports every missing file by name', () => {
    const options = { config: join(dir, 'nope.yaml'), env: join(dir, 'nope.env'), compose: join(dir, 'nope-compose.yml') };
    const lines = runCheckConfig(options).problems.map(formatProblem);
    expect(lines).toEqual([
      `${options.config}: (file): does not exist; it is the LiteLLM proxy's config`,
      `${options.env}: (file): does not exist; it is the list of environment variables`,
      `${options.compose}: (file): does not exist; it is the Docker Compose stack`,
    ]);
  });

  it('parses --config, --env and --compose in both spellings and rejects anything else', () => {
    expect(parseArgs(['--config', 'a.yaml', '--env=b.env', '--compose', 'c.yml'])).toEqual({ config: 'a.yaml', env: 'b.env', compose: 'c.yml' });
    expect(parseArgs([])).toEqual({ config: 'config.yaml', env: 'env.example', compose: 'docker-compose.yml' });
    expect(() => parseArgs(['--nope'])).toThrow(/unknown argument "--nope"/);
    expect(() => parseArgs(['--config'])).toThrow(/--config needs a path/);
  });

  it('returns exit code 1 with the problems on stderr, 0 when clean, 2 on bad usage', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const bad = writeCase({ config: valid.config.replace('success_callback: []', 'success_callback: ["langfuse"]') });
      expect(main(['--config', bad.config, '--env', bad.env, '--compose', bad.compose])).toBe(1);
      expect(writes.join('')).toContain('litellm_settings.success_callback[0]: enables LiteLLM\'s own "langfuse" callback');
      expect(writes.join('')).toContain('check-config: 1 problem(s) found');
      const good = writeCase();
      expect(main(['--config', good.config, '--env', good.env, '--compose', good.compose])).toBe(0);
      expect(main(['--bogus'])).toBe(2);
    } finally {
      spy.mockRestore();
      out.mockRestore();
    }
  });

  it('runs as the npm script does, through tsx', () => {
    const root = resolve(__dirname, '../../..');
    const bad = writeCase({ config: valid.config.replace('os.environ/OPENAI_API_KEY', 'literal') });
    const result = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'sidecar/tools/check-config.ts', '--config', bad.config, '--env', bad.env, '--compose', bad.compose], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${bad.config}:6: model_list[0].litellm_params.api_key: holds a literal value`);
  });
});
