import { loadConfig } from '../src/config';
import type { EnvReference } from './litellm-config-checks';
import { formatPath, loadYaml, walkScalars, type Problem } from './yaml-walk';

/** One variable documented in env.example, set (`NAME=value`) or shown commented out (`# NAME=value`). */
export interface EnvEntry {
  name: string;
  line: number;
  value: string;
  commented: boolean;
}

const ASSIGNMENT = /^(#\s*)?(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/**
 * Reads env.example. A commented-out assignment (`# LANGFUSE_RELEASE=`) documents an optional variable,
 * so it counts as listed; other comments are prose and are skipped.
 */
export function parseEnvFile(text: string, file: string): { entries: Map<string, EnvEntry>; problems: Problem[] } {
  const entries = new Map<string, EnvEntry>();
  const problems: Problem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const match = ASSIGNMENT.exec(trimmed);
    if (!match?.[2]) {
      if (!trimmed.startsWith('#')) problems.push({ file, line, key: trimmed.slice(0, 40), message: 'is not a NAME=value line' });
      return;
    }
    const name = match[2];
    const commented = match[1] !== undefined;
    const previous = entries.get(name);
    if (previous && !previous.commented && !commented) {
      problems.push({ file, line, key: name, message: `is set twice (first on line ${previous.line})` });
      return;
    }
    if (!previous || previous.commented) entries.set(name, { name, line, value: match[3] ?? '', commented });
  });
  return { entries, problems };
}

/** The variables the sidecar reads, observed by running its own config loader against a recording environment. */
export function listSidecarEnvNames(): string[] {
  const seen = new Set<string>();
  const recorder: NodeJS.ProcessEnv = new Proxy({}, {
    get(_target, property) {
      if (typeof property === 'string') seen.add(property);
      return undefined;
    },
  });
  try {
    loadConfig(recorder);
  } catch {
    // An all-empty environment may be invalid; what matters here is which names were read.
  }
  return [...seen].filter((name) => /^[A-Z][A-Z0-9_]*$/.test(name));
}

/** A `${NAME}` (or `$NAME`) interpolation in docker-compose.yml. */
export interface ComposeVariable {
  name: string;
  line: number;
  key: string;
}

// Compose interpolation: ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}, $NAME.
const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:]?[-?+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Finds every variable that docker-compose.yml interpolates; `$$` is Compose's escape for a literal `$`. */
export function findComposeVariables(text: string, file: string): { variables: ComposeVariable[]; problems: Problem[] } {
  const { loaded, problems } = loadYaml(text, file);
  const variables: ComposeVariable[] = [];
  if (!loaded) return { variables, problems };
  walkScalars(loaded, ({ path, value, line }) => {
    if (typeof value !== 'string') return;
    const unescaped = value.replace(/\$\$/g, '');
    for (const match of unescaped.matchAll(INTERPOLATION)) {
      const name = match[1] ?? match[2];
      if (name) variables.push({ name, line, key: formatPath(path) });
    }
  });
  return { variables, problems };
}

/** Inputs for the env.example coverage check. */
export interface EnvCoverageOptions {
  envFile: string;
  entries: Map<string, EnvEntry>;
  configReferences: EnvReference[];
  sidecarNames: string[];
  sidecarSource: string;
  composeFile: string;
  composeVariables: ComposeVariable[];
}

/** env.example must list every variable the stack reads, and no SIDECAR_* name the sidecar does not know. */
export function checkEnvCoverage(options: EnvCoverageOptions): Problem[] {
  const { envFile, entries } = options;
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const requireListed = (name: string, reason: string) => {
    if (entries.has(name) || reported.has(name)) return;
    reported.add(name);
    problems.push({ file: envFile, key: name, message: `is missing; ${reason}` });
  };
  for (const ref of options.configReferences) {
    requireListed(ref.name, `${ref.file}:${ref.line} (${ref.key}) reads os.environ/${ref.name}`);
  }
  for (const name of options.sidecarNames) {
    requireListed(name, `the sidecar reads it (${options.sidecarSource})`);
  }
  for (const variable of options.composeVariables) {
    requireListed(variable.name, `${options.composeFile}:${variable.line} (${variable.key}) uses \${${variable.name}}`);
  }
  // SIDECAR_* belongs to this project alone, so an unknown one is a typo or a leftover.
  const known = new Set(options.sidecarNames);
  for (const entry of entries.values()) {
    if (entry.name.startsWith('SIDECAR_') && !known.has(entry.name)) {
      problems.push({
        file: envFile,
        line: entry.line,
        key: entry.name,
        message: `is not read by the sidecar (${options.sidecarSource}); a typo or a removed setting?`,
      });
    }
  }
  return problems;
}
