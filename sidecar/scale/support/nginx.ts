import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** nginx in front of the replicas, as a Service or an ingress in front of pods. */
export interface Nginx {
  url: string;
  /** Rewrites the upstream to these sidecar ports and reloads (as endpoints follow readiness). */
  setUpstreams: (ports: number[]) => Promise<void>;
  close: () => Promise<void>;
}

function findNginx(): string {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(candidate)) return candidate;
  try {
    return execFileSync('sh', ['-c', 'command -v nginx']).toString().trim();
  } catch {
    throw new Error('nginx is not installed: `apt-get install nginx` (Debian), or run the suite through .ci/run, which installs it');
  }
}

function renderConfig(dir: string, port: number, upstreams: number[]): string {
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  return `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream sidecars {
${servers}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sidecars;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Connection-level failures move to the next replica; a POST a replica has received is never sent twice.
      proxy_next_upstream error timeout;
      proxy_buffering off;
      proxy_request_buffering off;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

/** Starts nginx on `port` (foreground, its own prefix in a temp dir), balancing over `upstreams`. */
export async function startNginx(port: number, upstreams: number[]): Promise<Nginx> {
  const bin = findNginx();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sidecar-scale-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, renderConfig(dir, port, upstreams));
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      await fetch(`${url}/_sidecar/health`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    async setUpstreams(ports) {
      fs.writeFileSync(conf, renderConfig(dir, port, ports));
      execFileSync(bin, ['-p', dir, '-c', conf, '-s', 'reload'], { stdio: 'pipe' });
      // The new workers take over in a few milliseconds; the old ones finish what they serve and exit.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
    async close() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
