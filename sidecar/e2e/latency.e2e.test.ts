import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createOpenAiClient, readStack, requireSidecar } from './e2e-helpers';
import { readSidecarLog } from './start-stack';

const stack = readStack();

/** Calls per scenario and path: enough for a stable median, few enough for a short run. */
const ROUNDS = Number(process.env.E2E_LATENCY_ROUNDS ?? 20);

interface Sample {
  clientMs: number;
  callId: string;
  overheadMs?: number;
  responseDurationMs?: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round = (ms: number) => Math.round(ms * 100) / 100;
const headerNumber = (headers: Headers, name: string) => (headers.get(name) === null ? undefined : Number(headers.get(name)));

/** One chat call with the official client, timed from request to the last byte. */
async function timeCall(baseUrl: string, stream: boolean): Promise<Sample> {
  const client = createOpenAiClient(baseUrl);
  const params = { model: 'fake-gpt', messages: [{ role: 'user' as const, content: 'Latency probe.' }] };
  const started = performance.now();
  let headers: Headers;
  if (stream) {
    const { data, response } = await client.chat.completions.create({ ...params, stream: true }).withResponse();
    for await (const chunk of data) void chunk;
    headers = response.headers;
  } else {
    headers = (await client.chat.completions.create(params).withResponse()).response.headers;
  }
  return {
    clientMs: performance.now() - started,
    callId: headers.get('x-litellm-call-id') ?? '',
    overheadMs: headerNumber(headers, 'x-litellm-overhead-duration-ms'),
    responseDurationMs: headerNumber(headers, 'x-litellm-response-duration-ms'),
  };
}

/**
 * Measures, for the same calls, LiteLLM's own overhead header and the sidecar's added latency
 * (client time through the sidecar minus client time direct, paired, alternating order). It
 * records figures for docs/e2e.md and asserts nothing about time: shared CI machines are noisy.
 */
describe('latency: LiteLLM overhead next to the sidecar\'s added latency', () => {
  const report: Record<string, unknown> = { rounds: ROUNDS };

  afterAll(() => {
    writeFileSync(join(stack.logDir, 'latency.json'), JSON.stringify(report, null, 2));
    console.log(`[e2e] latency (median ms over ${ROUNDS} paired calls):\n${JSON.stringify(report, null, 2)}`);
  });

  test.each([false, true])('chat with fake-gpt, stream=%s', async (stream) => {
    const sidecarUrl = requireSidecar(stack);
    // Warm both paths (connection pools, LiteLLM's first-call imports).
    await timeCall(stack.litellmUrl, stream);
    await timeCall(sidecarUrl, stream);
    const direct: Sample[] = [];
    const proxied: Sample[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        direct.push(await timeCall(stack.litellmUrl, stream));
        proxied.push(await timeCall(sidecarUrl, stream));
      } else {
        proxied.push(await timeCall(sidecarUrl, stream));
        direct.push(await timeCall(stack.litellmUrl, stream));
      }
    }
    // The sidecar's access log line for the same calls (durationMs: request in to response end).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logByCall = new Map(readSidecarLog(stack.logDir).filter((l) => l.msg === 'request').map((l) => [l.callId, l]));
    const sidecarDurations = proxied.map((s) => logByCall.get(s.callId)?.durationMs).filter((v): v is number => typeof v === 'number');
    const overheads = (samples: Sample[]) => samples.map((s) => s.overheadMs).filter((v): v is number => v !== undefined);

    report[stream ? 'chat_stream' : 'chat'] = {
      client_direct_ms: round(median(direct.map((s) => s.clientMs))),
      client_via_sidecar_ms: round(median(proxied.map((s) => s.clientMs))),
      sidecar_added_ms_paired_median: round(median(proxied.map((s, i) => s.clientMs - (direct[i] as Sample).clientMs))),
      litellm_overhead_ms_direct: round(median(overheads(direct))),
      litellm_overhead_ms_via_sidecar: round(median(overheads(proxied))),
      litellm_response_duration_ms_via_sidecar: round(median(proxied.map((s) => s.responseDurationMs ?? NaN).filter(Number.isFinite))),
      sidecar_logged_duration_ms: sidecarDurations.length ? round(median(sidecarDurations)) : null,
      sidecar_log_lines_found: sidecarDurations.length,
    };
    expect(proxied.every((s) => s.callId !== '')).toBe(true);
    expect(sidecarDurations).toHaveLength(ROUNDS);
  });
});
