import fs from 'node:fs';
import path from 'node:path';
import { startFakeLitellm } from '../support/fake-litellm';
import { startFakeLangfuse } from '../support/fake-langfuse';
import { postJson, sendRequest } from '../support/http-client';
import { startSidecar } from '../support/start-sidecar';
import { readCompose, readRepoFile, readRepoYaml } from './helpers/repo-files';

type Target = { expr: string; refId: string; datasource: { uid: string } };
type Panel = { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: Target[]; datasource: { uid: string } };
type Dashboard = { uid: string; title: string; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };

const dashboard = JSON.parse(readRepoFile('deploy/monitoring/grafana/dashboards/sidecar.json')) as Dashboard;

/** The Grafana dashboard over /_sidecar/metrics, and compose's `monitoring` profile that serves it. */
describe('the monitoring dashboard', () => {
  test('is a Grafana dashboard: unique panel ids, non-overlapping grid, every query on the datasource variable', () => {
    expect(dashboard.uid).toBe('litellm-langfuse-sidecar');
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource' }));
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(target.datasource.uid).toBe('${datasource}');
      for (let x = panel.gridPos.x; x < panel.gridPos.x + panel.gridPos.w; x++) {
        for (let y = panel.gridPos.y; y < panel.gridPos.y + panel.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      expect(panel.gridPos.x + panel.gridPos.w).toBeLessThanOrEqual(24);
    }
    for (const title of ['Calls per second', 'Call latency by route family', 'Errors by cause', 'Traces exported and dropped', 'Export queue', 'Export latency and failures']) {
      expect(dashboard.panels.map((p) => p.title)).toContain(title);
    }
  });

  test("every metric a query reads is one the sidecar's /_sidecar/metrics serves", async () => {
    const fake = await startFakeLitellm();
    const langfuse = await startFakeLangfuse();
    const sidecar = await startSidecar(fake.url, langfuse.url);
    try {
      await postJson(sidecar.url, '/v1/chat/completions', { model: 'm', messages: [] });
      await langfuse.waitForSpans(1);
      // One export has been answered by now: the export histogram has its samples too.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const served = new Set((await sendRequest(sidecar.url, { path: '/_sidecar/metrics' })).body.toString('utf8').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-z_]+/.exec(l)?.[0]));
      const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bsidecar_[a-z_]+/g) ?? [])));
      expect(used.size).toBeGreaterThan(10);
      for (const name of used) expect([name, served.has(name)]).toEqual([name, true]);
    } finally {
      await sidecar.close();
      await fake.close();
      await langfuse.close();
    }
  });

  test("compose's monitoring profile: pinned images, bound to 127.0.0.1, scraping the sidecar, provisioning this dashboard", () => {
    const services = readCompose().services;
    for (const name of ['prometheus', 'grafana']) {
      const service = services[name] as { image: string; profiles: string[]; ports: string[]; volumes: string[] };
      expect(service.profiles).toEqual(['monitoring']);
      expect(service.image).toMatch(/:v?\d+\.\d+\.\d+$/);
      for (const port of service.ports) expect(port).toMatch(/^127\.0\.0\.1:/);
      for (const volume of service.volumes.filter((v) => v.startsWith('./'))) expect(fs.existsSync(path.resolve(__dirname, '../../..', volume.split(':')[0] as string))).toBe(true);
    }
    const prometheus = readRepoYaml<{ scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }> }>('deploy/monitoring/prometheus.yml');
    expect(prometheus.scrape_configs[0]).toMatchObject({ metrics_path: '/_sidecar/metrics', static_configs: [{ targets: ['sidecar:4000'] }] });
    const datasources = readRepoYaml<{ datasources: Array<{ uid: string; url: string }> }>('deploy/monitoring/grafana/provisioning/datasources/prometheus.yaml');
    expect(datasources.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
  });
});
