import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The sidecar's version from package.json, found by walking up (src/ in tests, dist/ when built). */
function readVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'litellm-langfuse-sidecar' && pkg.version) return pkg.version;
    } catch {
      // not here; keep walking
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}

/** The sidecar's version, read once at start-up. */
export const SIDECAR_VERSION = readVersion();
