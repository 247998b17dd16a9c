import fs from 'node:fs';

/** Resident set size of a process now and its high-water mark, in MB (10^6 bytes), from /proc/<pid>/status. */
export function readRss(pid: number): { rssMB: number; peakMB: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMB: (kib('VmRSS') * 1024) / 1e6, peakMB: (kib('VmHWM') * 1024) / 1e6 };
  } catch {
    return { rssMB: 0, peakMB: 0 };
  }
}

/** Samples a process's RSS every `intervalMs`; `stop()` returns the highest sample (VmHWM covers what sampling misses). */
export function sampleRss(pid: number, intervalMs = 50): { stop: () => { maxMB: number; hwmMB: number; samples: number[] } } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const { rssMB } = readRss(pid);
    if (rssMB > 0) samples.push(rssMB);
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { maxMB: samples.reduce((a, b) => Math.max(a, b), 0), hwmMB: readRss(pid).peakMB, samples };
    },
  };
}
