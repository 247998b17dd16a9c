/**
 * `npm run check-config`: validates config.yaml, env.example and docker-compose.yml against what the stack reads.
 * Usage: tsx sidecar/tools/check-config.ts [--config config.yaml] [--env env.example] [--compose docker-compose.yml]
 * Exit 0 when clean, 1 with one `file:line: key: message` line per problem, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { checkEnvCoverage, findComposeVariables, listSidecarEnvNames, parseEnvFile } from './env-file-checks';
import { checkLitellmConfig } from './litellm-config-checks';
import { formatProblem, type Problem } from './yaml-walk';

/** Paths of the files to check; defaults are the repository's own files, relative to the working directory. */
export interface CheckConfigOptions {
  config: string;
  env: string;
  compose: string;
}

/** The outcome of one run: every problem, and a one-line summary for a clean run. */
export interface CheckConfigResult {
  problems: Problem[];
  summary: string;
}

const SIDECAR_SOURCE = 'sidecar/src/config.ts';
const USAGE = 'usage: check-config [--config PATH] [--env PATH] [--compose PATH]';

/** Parses `--config`, `--env` and `--compose` (each `--flag value` or `--flag=value`); throws on anything else. */
export function parseArgs(argv: readonly string[]): CheckConfigOptions {
  const options: CheckConfigOptions = { config: 'config.yaml', env: 'env.example', compose: 'docker-compose.yml' };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const name = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !(name in options)) throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    const value = inline ?? argv[(i += 1)];
    if (value === undefined || value === '') throw new Error(`${flag} needs a path\n${USAGE}`);
    options[name as keyof CheckConfigOptions] = value;
  }
  return options;
}

/** Reads a file, turning "not there" into a problem that names it. */
function readText(file: string, role: string, problems: Problem[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : String(error);
    problems.push({ file, key: '(file)', message: `${reason}; it is the ${role}` });
    return undefined;
  }
}

/** Runs every check and collects the problems; it never throws for a bad file. */
export function runCheckConfig(options: CheckConfigOptions): CheckConfigResult {
  const problems: Problem[] = [];
  const configText = readText(options.config, "LiteLLM proxy's config", problems);
  const envText = readText(options.env, 'list of environment variables', problems);
  const composeText = readText(options.compose, 'Docker Compose stack', problems);

  const config = configText === undefined ? undefined : checkLitellmConfig(configText, options.config);
  const env = envText === undefined ? undefined : parseEnvFile(envText, options.env);
  const compose = composeText === undefined ? undefined : findComposeVariables(composeText, options.compose);
  problems.push(...(config?.problems ?? []), ...(env?.problems ?? []), ...(compose?.problems ?? []));

  const sidecarNames = listSidecarEnvNames();
  if (sidecarNames.length === 0) {
    problems.push({ file: SIDECAR_SOURCE, key: 'loadConfig', message: 'read no environment variables; check-config cannot tell what the sidecar needs' });
  }
  if (env) {
    problems.push(
      ...checkEnvCoverage({
        envFile: options.env,
        entries: env.entries,
        configReferences: config?.envReferences ?? [],
        sidecarNames,
        sidecarSource: SIDECAR_SOURCE,
        composeFile: options.compose,
        composeVariables: compose?.variables ?? [],
      }),
    );
  }
  const summary =
    `${options.config}: ${config?.modelCount ?? 0} model(s), ${config?.envReferences.length ?? 0} os.environ reference(s); ` +
    `${options.env}: ${env?.entries.size ?? 0} variable(s); ${options.compose}: ${compose?.variables.length ?? 0} interpolation(s); ` +
    `sidecar reads ${sidecarNames.length} variable(s)`;
  return { problems, summary };
}

/** CLI entry: prints problems to stderr (or a summary to stdout) and returns the exit code. */
export function main(argv: readonly string[]): number {
  let options: CheckConfigOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`check-config: ${(error as Error).message}\n`);
    return 2;
  }
  const { problems, summary } = runCheckConfig(options);
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
    process.stderr.write(`check-config: ${problems.length} problem(s) found\n`);
    return 1;
  }
  process.stdout.write(`check-config: OK (${summary})\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
