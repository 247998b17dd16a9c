import { readFileSync } from 'node:fs';
import type * as Yaml from 'yaml';
import { z } from 'zod';

/** A Langfuse project the sidecar may send traces to: where, and as whom. */
export interface ProjectCredentials {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
}

/** A named project of the routing file. */
export interface NamedProject extends ProjectCredentials {
  name: string;
}

/** What a route compares: LiteLLM's key and team facts (attribution) and the call's tags. Absent fields match anything. */
export interface RouteRule {
  project: string;
  keyAlias?: string[];
  teamAlias?: string[];
  teamId?: string[];
  tag?: string[];
}

/** The routing file, resolved: projects with their secrets, and the routes in file order. */
export interface ProjectsConfig {
  projects: NamedProject[];
  routes: RouteRule[];
}

const text = z.string().trim().min(1);
const oneOrMany = z.union([text, z.array(text).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

const fileSchema = z
  .object({
    projects: z
      .array(
        z
          .object({
            name: text.regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, ".", "_" and "-" only'),
            public_key: text,
            // The secret belongs in the environment (a Kubernetes or Zeabur secret); inline only for local files.
            secret_key: text.optional(),
            secret_key_env: text.regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
            base_url: z.url({ protocol: /^https?$/ }).optional(),
          })
          .strict()
          .refine((project) => (project.secret_key === undefined) !== (project.secret_key_env === undefined), 'needs exactly one of secret_key and secret_key_env'),
      )
      .min(1),
    routes: z
      .array(
        z
          .object({ project: text, key_alias: oneOrMany.optional(), team_alias: oneOrMany.optional(), team_id: oneOrMany.optional(), tag: oneOrMany.optional() })
          .strict()
          .refine((route) => route.key_alias || route.team_alias || route.team_id || route.tag, 'needs at least one of key_alias, team_alias, team_id and tag'),
      )
      .default([]),
  })
  .strict();

/**
 * Reads SIDECAR_PROJECTS_FILE (YAML or JSON) at start-up and resolves each project's secret from `env`; every
 * problem is returned, named by its place in the file, so a wrong file stops the sidecar with one message. The
 * messages never carry a secret's value.
 */
export function loadProjectsFile(path: string, env: NodeJS.ProcessEnv, defaultBaseUrl: string): { config?: ProjectsConfig; problems: string[] } {
  const where = `SIDECAR_PROJECTS_FILE (${path})`;
  let raw: unknown;
  try {
    const source = readFileSync(path, 'utf8');
    // YAML is loaded only here, so the sidecar pays for the parser only when it has such a file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    raw = /\.ya?ml$/i.test(path) ? (require('yaml') as typeof Yaml).parse(source) : JSON.parse(source);
  } catch (error) {
    return { problems: [`${where}: cannot be read as ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`] };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${where}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`) };
  const problems: string[] = [];
  const names = new Set<string>();
  const projects: NamedProject[] = [];
  parsed.data.projects.forEach((project, index) => {
    if (names.has(project.name)) problems.push(`${where}: projects.${index}.name: "${project.name}" is named twice`);
    names.add(project.name);
    const secretKey = project.secret_key ?? env[project.secret_key_env as string]?.trim();
    if (!secretKey) problems.push(`${where}: projects.${index}.secret_key_env: ${project.secret_key_env} is not set`);
    projects.push({ name: project.name, publicKey: project.public_key, secretKey: secretKey ?? '', baseUrl: (project.base_url ?? defaultBaseUrl).replace(/\/+$/, '') });
  });
  const routes: RouteRule[] = parsed.data.routes.map((route, index) => {
    if (!names.has(route.project)) problems.push(`${where}: routes.${index}.project: no project is named "${route.project}"`);
    return { project: route.project, keyAlias: route.key_alias, teamAlias: route.team_alias, teamId: route.team_id, tag: route.tag };
  });
  return problems.length > 0 ? { problems } : { config: { projects, routes }, problems };
}
