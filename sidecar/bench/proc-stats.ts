/** Reads a process's CPU time and memory from /proc (Linux), for any process: Node, the sidecar or Python. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;

function readClockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and parentheses. */
function readStatFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User + system CPU time of one process (all its threads), in milliseconds; 0 once it has gone. */
export function readCpuMs(pid: number): number {
  const fields = readStatFields(pid);
  if (!fields) return 0;
  // After the name: state is field 3 of proc(5), so utime (14) and stime (15) sit at indexes 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / readClockTicks();
}

/** The process and all its descendants (a LiteLLM server may fork workers). */
export function listProcessTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = readStatFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    const siblings = parents.get(parent) ?? [];
    siblings.push(Number(entry));
    parents.set(parent, siblings);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i += 1) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

/** CPU time of a process tree, in milliseconds. */
export function readTreeCpuMs(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
}

/** Resident set size now and its high-water mark, in MB of 10^6 bytes as the targets are (VmRSS and VmHWM of /proc/<pid>/status). */
export function readRssMB(pid: number): { rss: number; peak: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rss: (kib('VmRSS') * 1024) / 1e6, peak: (kib('VmHWM') * 1024) / 1e6 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** CPU time the whole machine spent busy (all CPUs, everything but idle and iowait), in milliseconds. */
export function readMachineBusyMs(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return ((user + nice + system + irq + softirq + steal) * 1000) / readClockTicks();
}
