import { createHistogram } from '../src/histogram';
import { startFakeLitellm } from './support/fake-litellm';
import { findClosedPort, postJson, readMetric } from './support/http-client';
import { startSidecar } from './support/start-sidecar';

/** The histograms and labelled counters the Grafana dashboard reads (deploy/monitoring). */
describe('metrics for the dashboard', () => {
  test('a histogram renders cumulative buckets, +Inf equal to the count, and the sum', () => {
    const histogram = createHistogram([0.01, 0.1, 1]);
    for (const seconds of [0.003, 0.01, 0.02, 0.5, 400]) histogram.observe(seconds);
    expect(histogram.render('x_seconds', 'route="chat"')).toEqual([
      'x_seconds_bucket{route="chat",le="0.01"} 2',
      'x_seconds_bucket{route="chat",le="0.1"} 3',
      'x_seconds_bucket{route="chat",le="1"} 4',
      'x_seconds_bucket{route="chat",le="+Inf"} 5',
      'x_seconds_sum{route="chat"} 400.533',
      'x_seconds_count{route="chat"} 5',
    ]);
  });

  test('request durations by route family, and upstream failures by cause, from real calls', async () => {
    const fake = await startFakeLitellm();
    const sidecar = await startSidecar(fake.url);
    const refused = await startSidecar(`http://127.0.0.1:${await findClosedPort()}`);
    try {
      await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [] });
      await postJson(sidecar.url, '/v1/embeddings', { model: 'e', input: 'x' });
      expect((await postJson(refused.url, '/v1/chat/completions', { model: 'm', messages: [] })).status).toBe(503);
      expect(await readMetric(sidecar.url, 'sidecar_request_duration_seconds_count{route="chat"}')).toBe(1);
      expect(await readMetric(sidecar.url, 'sidecar_request_duration_seconds_count{route="embeddings"}')).toBe(1);
      expect(await readMetric(refused.url, 'sidecar_upstream_failures_total{code="upstream_unavailable"}')).toBe(1);
      expect(await readMetric(refused.url, 'sidecar_upstream_failures_total{code="upstream_timeout"}')).toBe(0);
    } finally {
      await sidecar.close();
      await refused.close();
      await fake.close();
    }
  });
});
