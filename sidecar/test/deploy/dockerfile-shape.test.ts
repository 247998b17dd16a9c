import { readDockerfile, readExecForm } from './helpers/dockerfile';
import { readRepoFile } from './helpers/repo-files';

describe('the sidecar Dockerfile', () => {
  const { stages, instructions } = readDockerfile('Dockerfile');
  const [build, runtime] = stages;
  const runtimeKeywords = (keyword: string) => runtime?.instructions.filter((instruction) => instruction.keyword === keyword) ?? [];

  it('builds in one stage and runs from a second, both on the same pinned Node LTS slim image', () => {
    expect(stages).toHaveLength(2);
    expect(build?.image).toBe(runtime?.image);
    const version = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim$/.exec(build?.image ?? '');
    expect(version).not.toBeNull();
    const major = Number(version?.[1]);
    // Even majors become LTS; the code itself supports Node >= 20.19.
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(20);
  });

  it('installs with npm ci, builds, and keeps only production dependencies', () => {
    const runs = build?.instructions.filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args).join(' && ');
    expect(runs).toMatch(/npm ci\b.*npm run build\b.*npm prune --omit=dev\b/);
    const copiedFromBuild = runtimeKeywords('COPY').map((instruction) => instruction.args);
    expect(copiedFromBuild).toEqual(expect.arrayContaining([expect.stringMatching(/^--from=build \/app\/node_modules /), expect.stringMatching(/^--from=build \/app\/dist /)]));
  });

  it('runs as a non-root user', () => {
    const user = runtimeKeywords('USER').at(-1)?.args ?? 'root';
    expect(user).toMatch(/^(node|1000)(:(node|1000))?$/);
  });

  it('declares the port with a literal EXPOSE 4000 first, as Zeabur reads it', () => {
    const exposes = instructions.filter((instruction) => instruction.keyword === 'EXPOSE');
    expect(exposes[0]?.args).toBe('4000');
    expect(readRepoFile('Dockerfile').split('\n').find((line) => /^expose/i.test(line))).toBe('EXPOSE 4000');
  });

  it('has a HEALTHCHECK on /_sidecar/health that needs no curl or wget', () => {
    const healthcheck = runtimeKeywords('HEALTHCHECK')[0]?.args ?? '';
    const command = readExecForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim());
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(command?.[2]).toContain('/_sidecar/health');
  });

  it('starts node in exec form, so SIGTERM reaches it, and runs the built entry point', () => {
    expect(instructions.filter((instruction) => instruction.keyword === 'ENTRYPOINT')).toEqual([]);
    expect(readExecForm(runtimeKeywords('CMD')[0]?.args ?? '')).toEqual(['node', 'dist/index.js']);
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node dist/index.js');
  });
});

describe('.dockerignore', () => {
  const patterns = readRepoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('keeps dependencies, build output, VCS data, caches and secrets out of the build context', () => {
    expect(patterns).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.venv', '.cache', '.env', 'coverage']));
  });

  it('keeps what the two Dockerfiles copy', () => {
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'config.yaml', 'sidecar/src']) {
      expect(patterns).not.toContain(needed);
    }
    expect(patterns).not.toContain('sidecar');
  });
});
