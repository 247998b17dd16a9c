import { join } from 'node:path';
import { runCheckConfig } from '../../tools/check-config';
import { readRepoFile, REPO_ROOT } from './helpers/repo-files';

const ASSIGNMENT = /^#?\s*([A-Z][A-Z0-9_]*)=/;
const TAGGED = /^# \[(required|optional)/;

/** Names documented in env.example, set or commented out, each with the tagged comment that opens its block. */
function readEnvExample(): Map<string, { line: number; comment: string }> {
  const lines = readRepoFile('env.example').split('\n');
  const entries = new Map<string, { line: number; comment: string }>();
  lines.forEach((line, index) => {
    const name = ASSIGNMENT.exec(line)?.[1];
    if (!name) return;
    // Walk up through the prose comment lines directly above; the first of them carries the tag.
    let above = index - 1;
    while (above >= 0 && (lines[above] ?? '').startsWith('#') && !ASSIGNMENT.test(lines[above] ?? '') && !TAGGED.test(lines[above] ?? '')) above -= 1;
    const comment = TAGGED.test(lines[above] ?? '') ? (lines[above] ?? '') : '';
    entries.set(name, { line: index + 1, comment });
  });
  return entries;
}

describe('env.example', () => {
  const entries = readEnvExample();

  it('lists every variable that config.yaml, docker-compose.yml and the sidecar read (npm run check-config)', () => {
    const result = runCheckConfig({
      config: join(REPO_ROOT, 'config.yaml'),
      env: join(REPO_ROOT, 'env.example'),
      compose: join(REPO_ROOT, 'docker-compose.yml'),
    });
    expect(result.problems).toEqual([]);
  });

  it('lists the variables start.sh reads', () => {
    const script = readRepoFile('start.sh');
    const read = [...script.matchAll(/\$\{([A-Z][A-Z0-9_]*):-/g)].map((match) => match[1] ?? '');
    const own = new Set(['PYTHON']);
    for (const name of read.filter((item) => !own.has(item))) expect([name, entries.has(name)]).toEqual([name, true]);
  });

  it('says above every variable whether it is required or optional, and what it does', () => {
    for (const [name, entry] of entries) {
      expect([name, entry.comment]).toEqual([name, expect.stringMatching(/^# \[(required|optional)[^\]]*\] \S.{5,}/)]);
    }
  });

  it('holds no real secret: only placeholders marked CHANGEME or empty provider keys', () => {
    for (const line of readRepoFile('env.example').split('\n')) {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (!match) continue;
      const [, name, value = ''] = match;
      if (/KEY|SECRET|PASSWORD|AUTH/.test(name ?? '')) expect([name, value]).toEqual([name, expect.stringMatching(/^$|change-me/)]);
    }
  });
});
