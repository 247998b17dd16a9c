/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per file, so "where does
 * the time go" has an answer in file:function form without opening a flame graph viewer.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One line of the summary: a function (or file) and its share of sampled time. */
export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

function shortUrl(url: string, root: string): string {
  if (!url) return '(native)';
  const file = url.replace(/^file:\/\//, '');
  const inModules = file.lastIndexOf('node_modules/');
  if (inModules >= 0) return file.slice(inModules + 'node_modules/'.length);
  return file.startsWith(root) ? path.relative(root, file) : file;
}

/** Self time per function and per file (or package), largest first; shares are of busy (non-idle) time. */
export function summarizeProfile(file: string, root: string): { busyMs: number; idleMs: number; functions: ProfileEntry[]; files: ProfileEntry[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const where = shortUrl(frame.url, root);
    const name = `${where}:${frame.functionName || '(anonymous)'}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    const fileKey = where.includes('/') && !where.startsWith('dist/') && !where.startsWith('node:') ? where.split('/')[0]! : where;
    functions.set(name, (functions.get(name) ?? 0) + us);
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
    busyUs += us;
  }
  const rank = (map: Map<string, number>) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, selfMs: us / 1000, share: us / busyUs }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions: rank(functions), files: rank(files) };
}

/** Formats the top entries as a Markdown table, with self time per request when the request count is known. */
export function formatProfile(entries: ProfileEntry[], top: number, requests?: number): string {
  const vmLabels = ['(program)', '(garbage collector)'];
  const lines = ['| self ms | µs/request | share | function |', '| --: | --: | --: | :-- |'];
  for (const entry of entries.slice(0, top)) {
    const marker = vmLabels.some((label) => entry.name.includes(label)) ? ' (VM)' : '';
    const perRequest = requests ? ((entry.selfMs * 1000) / requests).toFixed(1) : '–';
    lines.push(`| ${entry.selfMs.toFixed(0)} | ${perRequest} | ${(entry.share * 100).toFixed(1)} % | ${entry.name}${marker} |`);
  }
  return lines.join('\n');
}
