import http from 'node:http';
import https from 'node:https';
import { asObject } from '../interpret/values';

/** LiteLLM's view of a virtual key: who it belongs to, as its own logging names it. */
export interface KeyAttribution {
  /** The key's SHA-256 (hex), LiteLLM's `user_api_key_hash`. */
  keyHash: string;
  keyAlias?: string;
  userId?: string;
  teamId?: string;
  teamAlias?: string;
  orgId?: string;
  /** The key's own `metadata.tags`, which LiteLLM adds to the request's tags. */
  tags: string[];
}

/** Why a lookup failed; each is counted in /_sidecar/metrics (`sidecar_key_info_failures_total{reason}`). */
export type KeyInfoFailure = 'unauthorized' | 'no_database' | 'timeout' | 'unreachable' | 'error';

/** One answer of LiteLLM's management API. */
export type KeyInfoAnswer<T> = { ok: true; value: T } | { ok: false; notFound: true } | { ok: false; notFound?: false; failure: KeyInfoFailure; status?: number };

/** Options for createKeyInfoClient. */
export interface KeyInfoClientOptions {
  upstreamUrl: URL;
  masterKey: string;
  timeoutMs: number;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const asTags = (value: unknown): string[] => (Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string' && tag.trim() !== '') : []);

/** Reads a /key/info answer (litellm/proxy/management_endpoints/key_management_endpoints.py info_key_fn). */
export function readKeyInfo(keyHash: string, body: unknown): KeyAttribution | undefined {
  const info = asObject(asObject(body)?.info);
  if (!info) return undefined;
  return {
    keyHash,
    keyAlias: asString(info.key_alias),
    userId: asString(info.user_id),
    teamId: asString(info.team_id),
    orgId: asString(info.organization_id),
    tags: asTags(asObject(info.metadata)?.tags),
  };
}

/** Reads a /team/info answer's alias (team_endpoints.py team_info: `team_info.team_alias`). */
export const readTeamAlias = (body: unknown): string | undefined => asString(asObject(asObject(body)?.team_info)?.team_alias);

/**
 * A client of the two LiteLLM management endpoints attribution needs, authenticated with the master key. The
 * virtual key is looked up by its SHA-256, as LiteLLM's docs ask ("the raw key stays out of URLs and access
 * logs"): the key a client sent never leaves the sidecar in any form LiteLLM could not already compute.
 */
export function createKeyInfoClient(options: KeyInfoClientOptions) {
  const isHttps = options.upstreamUrl.protocol === 'https:';
  const transport = isHttps ? https : http;
  // Its own small pool: lookups never take a connection the proxied calls are waiting for.
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 4, timeout: 4000 });
  const basePath = options.upstreamUrl.pathname.replace(/\/+$/, '');

  function get(path: string): Promise<KeyInfoAnswer<unknown>> {
    return new Promise((resolve) => {
      const request = transport.request(
        {
          protocol: options.upstreamUrl.protocol,
          hostname: options.upstreamUrl.hostname,
          port: options.upstreamUrl.port || (isHttps ? 443 : 80),
          method: 'GET',
          path: basePath + path,
          headers: { authorization: `Bearer ${options.masterKey}`, accept: 'application/json' },
          agent,
          timeout: options.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            // A key's row is a few KB; a team's answer lists keys, capped by key_limit=1. Anything huge is not an answer.
            if (size <= 1 << 20) chunks.push(chunk);
          });
          response.on('error', () => resolve({ ok: false, failure: 'unreachable' }));
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            if (status === 404) return resolve({ ok: false, notFound: true });
            if (status === 401 || status === 403) return resolve({ ok: false, failure: 'unauthorized', status });
            // LiteLLM without DATABASE_URL answers every management call with "Database not connected".
            if (/database not connected|no db connected/i.test(text)) return resolve({ ok: false, failure: 'no_database', status });
            if (status < 200 || status >= 300) return resolve({ ok: false, failure: 'error', status });
            try {
              resolve({ ok: true, value: JSON.parse(text) as unknown });
            } catch {
              resolve({ ok: false, failure: 'error', status });
            }
          });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('key info timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, failure: error.code === 'ETIMEDOUT' ? 'timeout' : 'unreachable' }));
      request.end();
    });
  }

  /**
   * LiteLLM 1.110.2 without a database answers /key/info with a bare 500 ("Details are in the proxy server logs");
   * its readiness check says which it is (`"db": "Not connected"`), so the warning can name the cause.
   */
  async function explainServerError(answer: KeyInfoAnswer<unknown>): Promise<KeyInfoAnswer<never>> {
    if (answer.ok || answer.notFound) return answer as KeyInfoAnswer<never>;
    if (answer.failure !== 'error' || (answer.status ?? 0) < 500) return answer;
    const readiness = await get('/health/readiness');
    const db = readiness.ok ? asObject(readiness.value)?.db : undefined;
    return typeof db === 'string' && db.toLowerCase() !== 'connected' ? { ok: false, failure: 'no_database', status: answer.status } : answer;
  }

  return {
    async fetchKey(keyHash: string): Promise<KeyInfoAnswer<KeyAttribution>> {
      const answer = await get(`/key/info?key=${encodeURIComponent(keyHash)}`);
      if (!answer.ok) return explainServerError(answer);
      const attribution = readKeyInfo(keyHash, answer.value);
      return attribution ? { ok: true, value: attribution } : { ok: false, failure: 'error' };
    },
    async fetchTeamAlias(teamId: string): Promise<KeyInfoAnswer<string | undefined>> {
      const answer = await get(`/team/info?team_id=${encodeURIComponent(teamId)}&key_limit=1`);
      return answer.ok ? { ok: true, value: readTeamAlias(answer.value) } : explainServerError(answer);
    },
    close: () => agent.destroy(),
  };
}

/** The client's interface, for the cache and for tests. */
export type KeyInfoClient = ReturnType<typeof createKeyInfoClient>;
