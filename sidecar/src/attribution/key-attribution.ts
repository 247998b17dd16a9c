import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { createRateLimitedWarning } from '../export/rate-limited-warning';
import type { SidecarMetrics } from '../metrics';
import { hashKey, readApiKey } from '../trace/redact';
import type { KeyAttribution, KeyInfoClient, KeyInfoFailure } from './key-info-client';

/** Options for createKeyAttribution. */
export interface KeyAttributionOptions {
  client: KeyInfoClient;
  /** How long an answer (found or not found) is trusted before it is asked again. */
  ttlMs: number;
  masterKey: string;
  metrics: SidecarMetrics;
  logger: Logger;
  maxEntries?: number;
}

/** Attribution of calls to LiteLLM's keys, teams and users, looked up off the request path. */
export interface KeyAttributionService {
  /** At the start of a call: the key's hash, and a lookup started if none is known or under way. Never waits. */
  noteRequest: (headers: IncomingHttpHeaders) => string | undefined;
  /** When the call's trace is encoded: what is known of the key by then (a lookup still out gives nothing). */
  read: (keyHash: string | undefined) => KeyAttribution | undefined;
  /** A lookup for this key is out: routing by key or team may wait for it (projects/route-exchange.ts). */
  isPending: (keyHash: string | undefined) => boolean;
  close: () => void;
}

interface Entry {
  value?: KeyAttribution;
  expiresAt: number;
  pending: boolean;
}

// A lookup takes a few ms; a burst of new keys (a deploy, a load test with many keys) must not become a burst of
// management calls LiteLLM answers from its database. Keys past this wait for their next call.
const MAX_IN_FLIGHT = 4;
const FIRST_PAUSE_MS = 30_000;
const MAX_PAUSE_MS = 10 * 60_000;

/**
 * A bounded, expiring cache of LiteLLM's answers about virtual keys. A failure (no database, a refused master key,
 * a timeout) pauses all lookups for a while, doubling up to 10 minutes, instead of retrying per call: a LiteLLM
 * without a database gets one call, a warning that says why, and a counter, not a storm.
 */
export function createKeyAttribution(options: KeyAttributionOptions): KeyAttributionService {
  const { client, metrics, ttlMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const masterKeyHash = hashKey(options.masterKey).full;
  const entries = new Map<string, Entry>();
  const teamAliases = new Map<string, { alias?: string; expiresAt: number }>();
  const warning = createRateLimitedWarning(options.logger, 'LiteLLM key lookups failed: calls are traced without key, team and user attribution until LiteLLM answers again', 60_000);
  let inFlight = 0;
  // Until LiteLLM has answered once (after start, or after a failure) one lookup probes alone: a LiteLLM with no
  // database, or one refusing the master key, gets a single call however many new keys arrive meanwhile.
  let answering = false;
  let pausedUntil = 0;
  let pauseMs = FIRST_PAUSE_MS;

  function remember(hash: string, entry: Entry): void {
    entries.delete(hash);
    entries.set(hash, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  }

  function fail(failure: KeyInfoFailure, status: number | undefined): void {
    metrics.keyInfoLookups.failed++;
    metrics.keyInfoFailures[failure]++;
    answering = false;
    // A LiteLLM without a database will not grow one in 30 s: it is asked again only every 10 minutes.
    if (failure === 'no_database') pauseMs = MAX_PAUSE_MS;
    pausedUntil = Date.now() + pauseMs;
    warning.note(failure, 1, { status, pausedForMs: pauseMs, hint: failure === 'unauthorized' ? 'LITELLM_MASTER_KEY was refused' : failure === 'no_database' ? 'LiteLLM has no database, so it has no virtual keys to describe' : undefined });
    pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
  }

  async function resolveTeamAlias(teamId: string): Promise<string | undefined> {
    const known = teamAliases.get(teamId);
    if (known && known.expiresAt > Date.now()) return known.alias;
    const answer = await client.fetchTeamAlias(teamId);
    if (answer.ok || answer.notFound) {
      const alias = answer.ok ? answer.value : undefined;
      if (teamAliases.size >= maxEntries) teamAliases.clear();
      teamAliases.set(teamId, { alias, expiresAt: Date.now() + ttlMs });
      return alias;
    }
    fail(answer.failure, answer.status);
    return known?.alias;
  }

  async function lookUp(hash: string, entry: Entry): Promise<void> {
    const answer = await client.fetchKey(hash);
    if (answer.ok) {
      const value = answer.value;
      if (value.teamId) value.teamAlias = await resolveTeamAlias(value.teamId);
      metrics.keyInfoLookups.found++;
      pauseMs = FIRST_PAUSE_MS;
      answering = true;
      remember(hash, { value, expiresAt: Date.now() + ttlMs, pending: false });
    } else if (answer.notFound) {
      // A key LiteLLM does not know (it will answer the call itself with a 401): nothing to attribute, asked again later.
      metrics.keyInfoLookups.not_found++;
      answering = true;
      remember(hash, { expiresAt: Date.now() + ttlMs, pending: false });
    } else {
      fail(answer.failure, answer.status);
      // What was known stays in use until LiteLLM answers again.
      remember(hash, { value: entry.value, expiresAt: pausedUntil, pending: false });
    }
  }

  return {
    noteRequest(headers) {
      const key = readApiKey(headers);
      if (key === undefined) return undefined;
      const hash = hashKey(key).full;
      // The master key is no virtual key: LiteLLM has no row for it.
      if (hash === masterKeyHash) return undefined;
      const entry = entries.get(hash);
      const now = Date.now();
      if (entry && (entry.pending || entry.expiresAt > now)) return hash;
      if (now < pausedUntil || inFlight >= (answering ? MAX_IN_FLIGHT : 1)) return hash;
      const pending: Entry = { value: entry?.value, expiresAt: 0, pending: true };
      remember(hash, pending);
      inFlight++;
      lookUp(hash, pending)
        .catch((error: unknown) => {
          options.logger.warn({ err: error }, 'key attribution lookup failed unexpectedly');
          remember(hash, { value: pending.value, expiresAt: Date.now() + FIRST_PAUSE_MS, pending: false });
        })
        .finally(() => {
          inFlight--;
        });
      return hash;
    },
    read: (keyHash) => (keyHash === undefined ? undefined : entries.get(keyHash)?.value),
    isPending: (keyHash) => keyHash !== undefined && entries.get(keyHash)?.pending === true,
    close() {
      warning.flush();
      client.close();
    },
  };
}
