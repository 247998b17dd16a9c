import { readCompose, type ComposeService } from './helpers/repo-files';

/** Normalises a Compose port entry to host address, host port and container port. */
function readPorts(service: ComposeService): { hostIp: string; published: string; target: string }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') {
      return { hostIp: port.host_ip ?? '0.0.0.0', published: String(port.published ?? ''), target: String(port.target) };
    }
    const parts = port.split(':');
    const target = parts.pop() ?? '';
    const published = parts.pop() ?? '';
    return { hostIp: parts.join(':') || '0.0.0.0', published, target };
  });
}

describe('docker-compose.yml published ports', () => {
  const { services } = readCompose();
  const coreServices = Object.entries(services).filter(([, service]) => !service.profiles?.length);

  it('publishes only the sidecar among the default services, on 4000, the port clients used for LiteLLM', () => {
    const publishing = coreServices.filter(([, service]) => (service.ports ?? []).length > 0).map(([name]) => name);
    expect(publishing).toEqual(['sidecar']);
    expect(readPorts(services.sidecar as ComposeService)).toEqual([{ hostIp: '0.0.0.0', published: '4000', target: '4000' }]);
  });

  it('keeps LiteLLM and its database on the compose network only', () => {
    expect(services.litellm?.ports).toBeUndefined();
    expect(services.postgres?.ports).toBeUndefined();
  });

  it('binds every port of the optional Langfuse profile to 127.0.0.1, with the dashboard on localhost:3000', () => {
    const profiled = Object.entries(services).filter(([, service]) => service.profiles?.includes('langfuse'));
    expect(profiled.map(([name]) => name).sort()).toEqual(
      ['langfuse-clickhouse', 'langfuse-minio', 'langfuse-postgres', 'langfuse-redis', 'langfuse-web', 'langfuse-worker'],
    );
    for (const [, service] of profiled) {
      for (const port of readPorts(service)) expect(port.hostIp).toBe('127.0.0.1');
    }
    expect(readPorts(services['langfuse-web'] as ComposeService)).toEqual([{ hostIp: '127.0.0.1', published: '3000', target: '3000' }]);
  });
});
