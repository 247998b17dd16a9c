import type { Logger } from 'pino';
import type { KeyAttributionService } from '../attribution/key-attribution';
import { maskUrlCredentials } from '../config';
import { createRateLimitedWarning } from '../export/rate-limited-warning';
import type { SidecarMetrics } from '../metrics';
import type { Exchange } from '../trace/exchange';
import { readRequestJson } from '../trace/read-exchange-bodies';
import { readTraceContext } from '../trace/read-trace-context';
import type { ProjectLane, ProjectLanes } from './project-lanes';
import type { RouteRule } from './projects-file';

/** Options for createExchangeRouter. */
export interface ExchangeRouterOptions {
  lanes: ProjectLanes;
  routes: RouteRule[];
  /** Per-request credentials are honoured (SIDECAR_REQUEST_PROJECTS). */
  requestProjects: boolean;
  keyAttribution?: KeyAttributionService;
  metrics: SidecarMetrics;
  logger: Logger;
}

// A key's first call after start (or after its answer expired) ends before LiteLLM answered about the key: its
// route waits for that answer, briefly and boundedly, rather than sending one team's call to another's project.
const ATTRIBUTION_WAIT_MS = 2000;
const ROUTE_TICK_MS = 20;
const MAX_WAITING = 1000;

/** Precedence: per-request credentials, then the routing file's first matching route, then the default project. */
export function createExchangeRouter(options: ExchangeRouterOptions): { route: (exchange: Exchange) => void; drain: () => void } {
  const { lanes, routes, keyAttribution, metrics } = options;
  const usesKeyFacts = routes.some((route) => route.keyAlias || route.teamAlias || route.teamId);
  const usesTags = routes.some((route) => route.tag);
  const refusals = createRateLimitedWarning(options.logger, 'per-request Langfuse project refused; those calls are not traced', 60_000);
  const waiting: Array<{ exchange: Exchange; since: number }> = [];
  let timer: NodeJS.Timeout | undefined;

  const oneOf = (allowed: string[] | undefined, value: string | undefined) => allowed === undefined || (value !== undefined && allowed.includes(value));

  function chooseByFile(exchange: Exchange): ProjectLane {
    const key = keyAttribution?.read(exchange.apiKeyHash);
    // The call's tags (body, x-litellm-tags, the key's) are read once, and only when a route asks for them.
    let tags: Set<string> | undefined;
    for (const rule of routes) {
      if (!oneOf(rule.keyAlias, key?.keyAlias) || !oneOf(rule.teamAlias, key?.teamAlias) || !oneOf(rule.teamId, key?.teamId)) continue;
      if (rule.tag !== undefined) {
        tags ??= new Set([...readTraceContext(exchange.requestHeaders, readRequestJson(exchange).json).tags, ...(key?.tags ?? [])]);
        const callTags = tags;
        if (!rule.tag.some((tag) => callTags.has(tag))) continue;
      }
      return lanes.named(rule.project) ?? lanes.defaultLane;
    }
    return lanes.defaultLane;
  }

  function routeNow(exchange: Exchange): void {
    try {
      chooseByFile(exchange).queue.enqueue(exchange);
    } catch (error) {
      options.logger.error({ err: error }, 'could not route a trace');
      lanes.defaultLane.queue.enqueue(exchange);
    }
  }

  function tick(): void {
    timer = undefined;
    const now = Date.now();
    // Routed in arrival order; one still waiting for its key's answer holds only itself back.
    for (let i = 0; i < waiting.length; ) {
      const item = waiting[i] as { exchange: Exchange; since: number };
      if (usesKeyFacts && keyAttribution?.isPending(item.exchange.apiKeyHash) && now - item.since < ATTRIBUTION_WAIT_MS) {
        i++;
        continue;
      }
      waiting.splice(i, 1);
      routeNow(item.exchange);
    }
    if (waiting.length > 0) timer = setTimeout(tick, ROUTE_TICK_MS);
  }

  return {
    route(exchange) {
      const credentials = exchange.requestProject;
      if (credentials && options.requestProjects) {
        const lane = lanes.forRequest(credentials);
        if (typeof lane === 'string') {
          metrics.tracesDroppedProjectRefused++;
          refusals.note(lane, 1, { langfusePublicKey: credentials.publicKey, host: credentials.host === undefined ? undefined : maskUrlCredentials(credentials.host) });
          return;
        }
        lane.queue.enqueue(exchange);
        return;
      }
      if (routes.length === 0) {
        lanes.defaultLane.queue.enqueue(exchange);
        return;
      }
      // Routing reads the body's tags and the key's answer: not in the request's 'close' handler, a tick later.
      if (waiting.length >= MAX_WAITING) {
        routeNow(exchange);
        return;
      }
      waiting.push({ exchange, since: Date.now() });
      timer ??= setTimeout(tick, usesTags || usesKeyFacts ? ROUTE_TICK_MS : 0);
    },
    /** On shutdown: route everything still waiting with what is known, so the lanes' flush exports it. */
    drain() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const item of waiting.splice(0)) routeNow(item.exchange);
      refusals.flush();
    },
  };
}
