/**
 * `npm run bench`: one run, one machine, the same load against the upstream directly, a bare Node pipe,
 * the sidecar (Langfuse up and down) and, when a LiteLLM virtualenv exists, LiteLLM with and without it.
 * Prints the ratio tables and writes the raw results to bench-results/bench-<timestamp>.json.
 * See docs/performance.md for how to read the output.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildChildScripts, canPin, REPO_ROOT, startNodeChild } from './children';
import { findLiteLlm, startLiteLlmServers, type LiteLlmServers } from './litellm';
import { measureSetup, type Rig, type SetupRun } from './measure';
import { describeMachine, formatLabel, formatSetupTable, formatTargets, formatWorkloadTable } from './report';
import { createCoreSetups, createLiteLlmSetups, findFreePort, hasSidecarBuild, type Placement, type Setup } from './setups';
import { checkTargets, summarizeSetups } from './summarize';
import { createWorkloads, PROFILES } from './workloads';

const LITELLM_MIN_ROUNDS = 5;

interface Options {
  quick: boolean;
  pin: boolean;
  litellm: boolean;
  build: boolean;
  rounds?: number;
  only?: string[];
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const rounds = value('--rounds');
  return {
    quick: argv.includes('--quick'),
    pin: !argv.includes('--no-pin'),
    litellm: !argv.includes('--no-litellm'),
    build: !argv.includes('--no-build'),
    rounds: rounds ? Number(rounds) : undefined,
    only: value('--only')?.split(','),
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the sidecar when dist/ is missing or older than sidecar/src; returns a note when it cannot be used. */
function ensureSidecarBuild(options: Options): string | undefined {
  const entry = path.join(REPO_ROOT, 'dist/index.js');
  const stale = !fs.existsSync(entry) || fs.statSync(entry).mtimeMs < newestMtime(path.join(REPO_ROOT, 'sidecar/src'));
  if (stale && options.build) {
    process.stdout.write('Building the sidecar (npm run build)...\n');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (build.status !== 0) return 'sidecar setups skipped: `npm run build` failed';
  }
  return hasSidecarBuild() ? undefined : 'sidecar setups skipped: dist/index.js does not exist';
}

/** With two or more CPUs: the proxy under test alone on CPU 0, load generator, fakes and this runner on the rest. */
function choosePlacement(options: Options): { placement: Placement; description: string } {
  const cores = os.cpus().length;
  if (!options.pin || cores < 2 || !canPin()) {
    return { placement: {}, description: 'not pinned (all processes share all CPUs)' };
  }
  const otherCpus = cores === 2 ? '1' : `1-${cores - 1}`;
  spawnSync('taskset', ['-a', '-p', '-c', otherCpus, String(process.pid)], { stdio: 'ignore' });
  return {
    placement: { proxyCpus: '0', otherCpus },
    description: `taskset: proxy under test (bare pipe, sidecar, LiteLLM) on CPU 0; load generator, fake upstream, fake Langfuse and runner on CPU ${otherCpus}`,
  };
}

/** Rotates the setup order each round, so slow drift of a shared machine hits every setup alike. */
function orderForRound(setups: Setup[], round: number): Setup[] {
  const shift = (round - 1) % setups.length;
  return [...setups.slice(shift), ...setups.slice(0, shift)];
}

/** Measures every setup once per round, rotating the order; a failed setup is noted and the run goes on. */
async function runRounds(rig: Rig, setups: Setup[], runs: SetupRun[], notes: string[], startedAt: number): Promise<number> {
  let errors = 0;
  for (let round = 1; round <= rig.profile.rounds; round += 1) {
    // The LOG_LEVEL=warn run (access log off, not a default) is a single extra reading, not a repeated measurement.
    const inRound = setups.filter((s) => round === 1 || (s.name !== 'sidecar-warn' && s.name !== 'sidecar-gzip'));
    for (const setup of orderForRound(inRound, round)) {
      const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0);
      process.stdout.write(`[${elapsed}s] round ${round}/${rig.profile.rounds}: ${setup.label}\n`);
      try {
        runs.push(await measureSetup(rig, setup, round));
      } catch (error) {
        errors += 1;
        notes.push(`round ${round}, ${setup.name}: ${String(error)}`);
        process.stdout.write(`  failed: ${String(error)}\n`);
      }
    }
  }
  return errors;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const profile = { ...PROFILES[options.quick ? 'quick' : 'full'] };
  if (options.rounds) profile.rounds = options.rounds;
  const date = new Date().toISOString();
  const machine = describeMachine();
  const notes: string[] = [];
  const sidecarNote = ensureSidecarBuild(options);
  if (sidecarNote) notes.push(sidecarNote);
  buildChildScripts();
  const { placement, description } = choosePlacement(options);

  const upstream = await startNodeChild('fake-upstream', { cpus: placement.otherCpus });
  const langfuse = await startNodeChild('fake-langfuse', { cpus: placement.otherCpus });
  const loader = await startNodeChild('load-worker', { cpus: placement.otherCpus });
  const context = {
    placement,
    upstreamUrl: `http://127.0.0.1:${upstream.port}`,
    langfuseUrl: `http://127.0.0.1:${langfuse.port}`,
    closedUrl: `http://127.0.0.1:${await findFreePort()}`,
  };

  const only = (list: Setup[]) => (options.only ? list.filter((s) => options.only!.includes(s.name)) : list);
  const coreSetups = only(createCoreSetups({ withSidecar: !sidecarNote, infoRun: profile.infoRun }));
  const rig: Rig = { upstream, langfuse, loader, context, profile, workloads: createWorkloads() };
  const runs: SetupRun[] = [];
  const startedAt = Date.now();
  let errors = await runRounds(rig, coreSetups, runs, notes, startedAt);

  // Setup 5 runs as a block of its own, so idle LiteLLM servers never sit beside the sidecar on its CPU.
  let litellmSetups: Setup[] = [];
  const litellmVersion = options.litellm && !options.quick ? findLiteLlm() : undefined;
  if (!litellmVersion) {
    notes.push(
      options.quick || !options.litellm
        ? 'setup 5 (LiteLLM) skipped by option'
        : 'setup 5 (LiteLLM) skipped: no LiteLLM virtualenv at .cache/litellm-venv (built by the end-to-end suite, sidecar/e2e/)',
    );
  } else if (!sidecarNote && only(createLiteLlmSetups()).length > 0) {
    process.stdout.write(`Starting LiteLLM ${litellmVersion} (takes a while)...\n`);
    const litellm: LiteLlmServers = await startLiteLlmServers({ ...context, cpus: placement.proxyCpus });
    notes.push(...litellm.notes);
    litellmSetups = only(createLiteLlmSetups()).filter((s) => s.name !== 'litellm+otel' || litellm.otel);
    // LiteLLM's own throughput moves by 10-25 % between runs (Python GC, its async loop), which dwarfs a
    // sub-millisecond proxy: more rounds than the core block, so the medians settle.
    const litellmProfile = { ...rig.profile, rounds: Math.max(LITELLM_MIN_ROUNDS, rig.profile.rounds) };
    errors += await runRounds({ ...rig, profile: litellmProfile, context: { ...context, litellm } }, litellmSetups, runs, notes, startedAt);
    await Promise.all([litellm.plain.stop(), litellm.otel?.stop()]);
  }
  await Promise.all([upstream.stop(), langfuse.stop(), loader.stop()]);
  const setups = [...coreSetups, ...litellmSetups];

  const figures = summarizeSetups(setups, runs);
  const checks = checkTargets(figures);
  const text = [
    formatLabel(machine, date, description, profile.name),
    '',
    formatWorkloadTable(figures, rig.workloads),
    '',
    formatSetupTable(figures),
    '',
    formatTargets(checks),
    ...(notes.length > 0 ? ['', ...notes.map((n) => `Note: ${n}`)] : []),
  ].join('\n');
  process.stdout.write(`\n${text}\n`);

  const outDir = path.join(REPO_ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = path.join(outDir, `bench-${date.replace(/[:.]/g, '-')}.json`);
  const raw = { date, machine, profile, placement: description, litellm: litellmVersion, notes, runs, figures, checks, table: text };
  fs.writeFileSync(outFile, `${JSON.stringify(raw, null, 2)}\n`);
  process.stdout.write(`\nRaw results: ${path.relative(REPO_ROOT, outFile)} (${((Date.now() - startedAt) / 1000).toFixed(0)} s)\n`);
  // Missed targets are findings, not failures; a setup that could not be measured is (e.g. in a CI smoke run).
  if (errors > 0 || sidecarNote) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
