import { readRssMB } from '../../bench/proc-stats';

/** Resident set size of a process now and its high-water mark, in MB (10^6 bytes), from /proc (the bench's reader). */
export function readRss(pid: number): { rssMB: number; peakMB: number } {
  const { rss, peak } = readRssMB(pid);
  return { rssMB: rss, peakMB: peak };
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
