import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

/** The repository root, where docker-compose.yml, config.yaml and the Dockerfiles live. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

/** Reads a file of the repository as text. */
export function readRepoFile(relativePath: string): string {
  return readFileSync(join(REPO_ROOT, relativePath), 'utf8');
}

/** Parses a YAML file of the repository (anchors and merge keys resolved, as Compose does). */
export function readRepoYaml<T = Record<string, unknown>>(relativePath: string): T {
  return parse(readRepoFile(relativePath), { merge: true }) as T;
}

/** One Compose service, loosely typed: the tests check shapes the schema test does not. */
export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  profiles?: string[];
  ports?: (string | { target: number; published?: string | number; host_ip?: string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  restart?: string;
  init?: boolean;
  stop_grace_period?: string;
  command?: string | string[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
}

/** The parts of docker-compose.yml the tests read. */
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** docker-compose.yml, parsed. */
export function readCompose(): ComposeFile {
  return readRepoYaml<ComposeFile>('docker-compose.yml');
}

/** Environment of a Compose service as a plain map (list form `KEY=value` included). */
export function readServiceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((item) => [item.split('=')[0] ?? item, item.includes('=') ? item.slice(item.indexOf('=') + 1) : '']));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** Converts a Compose duration ("30s", "1m30s", "500ms") to milliseconds. */
export function parseComposeDuration(value: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  let matched = '';
  for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) {
    total += Number(part[1]) * (units[part[2] ?? 's'] ?? 0);
    matched += part[0];
  }
  if (matched !== value) throw new Error(`not a Compose duration: "${value}"`);
  return total;
}
