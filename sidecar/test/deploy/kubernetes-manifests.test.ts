import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config';
import { readCompose, readRepoFile, readRepoYaml } from './helpers/repo-files';

/**
 * deploy/kubernetes read as files (rendering and schema validation need kubectl: the `kubernetes` stage of .ci/run).
 * These hold the manifests to the rest of the repository: the same LiteLLM, the same config, a valid sidecar
 * configuration, shutdown timings that let the drain finish, and no secret value anywhere.
 */
type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
type Container = { name: string; image: string; env?: Env[]; livenessProbe?: { httpGet?: { path: string } }; readinessProbe?: { httpGet?: { path: string } }; startupProbe?: { httpGet?: { path: string } }; lifecycle?: { preStop?: { exec?: { command: string[] } } } };
type Workload = { kind: string; metadata: { name: string }; spec: { template: { spec: { terminationGracePeriodSeconds?: number; automountServiceAccountToken?: boolean; containers: Container[] } } } };

const readDocuments = (path: string): Workload[] => parseAllDocuments(readRepoFile(path)).map((doc) => doc.toJS() as Workload);
const base = 'deploy/kubernetes/base';
const sidecar = readDocuments(`${base}/sidecar-deployment.yaml`)[0] as Workload;
const litellm = readDocuments(`${base}/litellm-deployment.yaml`)[0] as Workload;
const container = (workload: Workload) => workload.spec.template.spec.containers[0] as Container;

describe('the Kubernetes manifests', () => {
  test("LiteLLM's config is the repository's config.yaml, and its image the one compose pins", () => {
    expect(readRepoFile(`${base}/config.yaml`)).toBe(readRepoFile('config.yaml'));
    expect(container(litellm).image).toBe(readCompose().services.litellm?.image);
  });

  test("probes: the sidecar's health and readiness, LiteLLM's chart's liveliness and readiness", () => {
    expect(container(sidecar).livenessProbe?.httpGet?.path).toBe('/_sidecar/health');
    expect(container(sidecar).readinessProbe?.httpGet?.path).toBe('/_sidecar/ready');
    expect(container(litellm).livenessProbe?.httpGet?.path).toBe('/health/liveliness');
    expect(container(litellm).readinessProbe?.httpGet?.path).toBe('/health/readiness');
    expect(container(litellm).startupProbe?.httpGet?.path).toBe('/health/readiness');
    expect(litellm.spec.template.spec.terminationGracePeriodSeconds).toBe(90);
  });

  test('the sidecar gets its preStop pause and its whole drain before the kubelet kills it', () => {
    const env = Object.fromEntries((container(sidecar).env ?? []).map((e) => [e.name, e.value]));
    const pause = Number(container(sidecar).lifecycle?.preStop?.exec?.command[1]);
    expect(pause).toBeGreaterThan(0);
    expect((sidecar.spec.template.spec.terminationGracePeriodSeconds ?? 0) * 1000).toBeGreaterThan(Number(env.SIDECAR_SHUTDOWN_GRACE_MS) + pause * 1000);
  });

  test('no secret value in any manifest: every key, password and token comes from a Secret', () => {
    const files = ['base/sidecar-deployment.yaml', 'base/litellm-deployment.yaml', 'overlays/collector/otel-collector.yaml', 'overlays/dev/postgres.yaml'];
    for (const file of files) {
      for (const workload of readDocuments(`deploy/kubernetes/${file}`).filter((doc) => doc.kind === 'Deployment' || doc.kind === 'StatefulSet')) {
        expect(workload.spec.template.spec.automountServiceAccountToken).toBe(false);
        for (const env of container(workload).env ?? []) {
          if (/KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL/.test(env.name)) expect([file, env.name, env.valueFrom?.secretKeyRef?.name]).toEqual([file, env.name, expect.any(String)]);
        }
      }
    }
  });

  test("the sidecar's environment, with its secrets filled in, is a valid sidecar configuration (and the collector overlay's too)", () => {
    const env: Record<string, string> = {};
    for (const e of container(sidecar).env ?? []) env[e.name] = e.value ?? `${e.valueFrom?.secretKeyRef?.key === 'LANGFUSE_BASE_URL' ? 'https://cloud.langfuse.com' : 'from-secret'}`;
    const config = loadConfig(env);
    expect(config.langfuse).toBeDefined();
    expect(config.attribution).toBeDefined();
    expect(config.upstreamUrl.href).toBe('http://litellm:4000/');
    const overlay = readRepoYaml<{ patches: Array<{ patch: string }> }>('deploy/kubernetes/overlays/collector/kustomization.yaml');
    const endpoint = /value: (http:\/\/otel-collector:4318)/.exec(overlay.patches[0]?.patch ?? '')?.[1];
    expect(loadConfig({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }).langfuse?.tracesUrl).toBe('http://otel-collector:4318/v1/traces');
  });

  test("the Collector's queue is on disk, retried without end, and its export asks Langfuse for ingestion version 4", () => {
    type Collector = { extensions: Record<string, unknown>; exporters: Record<string, { endpoint: string; headers: Record<string, string>; sending_queue: { storage: string }; retry_on_failure: { max_elapsed_time: string } }>; service: { extensions: string[] } };
    const collector = readRepoYaml<Collector>('deploy/kubernetes/overlays/collector/collector-config.yaml');
    const exporter = collector.exporters['otlp_http/langfuse'];
    expect(exporter?.headers['x-langfuse-ingestion-version']).toBe('4');
    expect(exporter?.endpoint).toBe('${env:LANGFUSE_BASE_URL}/api/public/otel');
    expect(collector.service.extensions).toContain(exporter?.sending_queue.storage);
    expect(collector.extensions[exporter?.sending_queue.storage ?? '']).toMatchObject({ directory: '/var/lib/otelcol/queue' });
    expect(exporter?.retry_on_failure.max_elapsed_time).toBe('0s');
  });
});
