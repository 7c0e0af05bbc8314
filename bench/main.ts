/**
 * `npm run bench`: runs every benchmark module, prints medians and ratios,
 * and writes BENCHMARKS.md. `--quick` for a short run, `--only NAME`
 * (repeatable, or comma-separated) for some modules, `--no-write` to leave
 * BENCHMARKS.md alone, `--render FILE` to rewrite it from a saved run
 * (every run saves itself to .bench-work/last-run.json). A module that
 * is missing, throws or overruns its time is reported as failed and the
 * run goes on.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from './harness/project-paths.js';
import { describeMachine } from './machine.js';
import {
  renderConsole,
  renderMarkdown,
  type ModuleOutcome,
  type RunReport,
} from './markdown.js';
import type { BenchResult } from './report.js';

type BenchFunction = (options: { quick: boolean }) => Promise<BenchResult[]>;

interface BenchModule {
  name: string;
  /** Relative to this file, resolved at run time so a missing one fails alone. */
  specifier: string;
  exportName: string;
}

const MODULES: readonly BenchModule[] = [
  { name: 'capture', specifier: './capture.js', exportName: 'benchCapture' },
  { name: 'big-log', specifier: './big-log.js', exportName: 'benchBigLog' },
  { name: 'cleanup', specifier: './cleanup.js', exportName: 'benchCleanup' },
  {
    name: 'cleanup-latency',
    specifier: './cleanup-latency.js',
    exportName: 'benchCleanupLatency',
  },
  { name: 'wire', specifier: './wire.js', exportName: 'benchWire' },
  { name: 'client', specifier: './client.js', exportName: 'benchClient' },
];

/** The last run's results, to re-render BENCHMARKS.md with `--render`. */
const LAST_RUN = join(PROJECT_ROOT, '.bench-work', 'last-run.json');

// Per-module bounds that keep a full run near 10 minutes on two cores.
const MODULE_LIMIT_SECONDS = { quick: 120, full: 300 };

function readOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      'no-write': { type: 'boolean', default: false },
      render: { type: 'string' },
    },
  });
  const only = values.only.flatMap((name) => name.split(',')).filter(Boolean);
  const unknown = only.filter((name) => !MODULES.some((m) => m.name === name));
  if (unknown.length > 0) {
    const known = MODULES.map((m) => m.name).join(', ');
    throw new Error(`unknown module ${unknown.join(', ')}; known: ${known}`);
  }
  return {
    quick: values.quick,
    only,
    write: !values['no-write'],
    render: values.render,
  };
}

async function loadModule(module: BenchModule): Promise<BenchFunction> {
  const loaded = (await import(module.specifier)) as Record<string, unknown>;
  const run = loaded[module.exportName];
  if (typeof run !== 'function') {
    throw new Error(`${module.specifier} does not export ${module.exportName}`);
  }
  return run as BenchFunction;
}

function failAfter(seconds: number): Promise<never> {
  return new Promise((_, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`did not finish within ${seconds} s`)),
      seconds * 1000,
    );
    timer.unref();
  });
}

async function runModule(
  module: BenchModule,
  quick: boolean,
): Promise<ModuleOutcome> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  const limit = MODULE_LIMIT_SECONDS[quick ? 'quick' : 'full'];
  try {
    const run = await loadModule(module);
    const results = await Promise.race([run({ quick }), failAfter(limit)]);
    return { module: module.name, results, seconds: seconds() };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { module: module.name, results: [], seconds: seconds(), error };
  }
}

// The page is checked by `prettier --check` like every other file: format
// it the same way (prettier is a development dependency, as is this).
async function formatMarkdown(markdown: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    return await prettier.format(markdown, { parser: 'markdown' });
  } catch {
    return markdown;
  }
}

async function writeReport(report: RunReport): Promise<void> {
  const path = join(PROJECT_ROOT, 'BENCHMARKS.md');
  await writeFile(path, await formatMarkdown(renderMarkdown(report)));
  await mkdir(join(PROJECT_ROOT, '.bench-work'), { recursive: true });
  await writeFile(LAST_RUN, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${path}`);
}

async function main(): Promise<number> {
  const options = readOptions();
  if (options.render !== undefined) {
    const text = await readFile(options.render, 'utf8');
    await writeReport(JSON.parse(text) as RunReport);
    return 0;
  }
  const machine = describeMachine();
  const selected = MODULES.filter(
    (m) => options.only.length === 0 || options.only.includes(m.name),
  );
  console.log(
    `benchmark (${options.quick ? 'quick' : 'full'}) on ${machine.cpu}, ` +
      `${machine.cores} cores, node ${machine.node}`,
  );

  const started = performance.now();
  const outcomes: ModuleOutcome[] = [];
  for (const module of selected) {
    const outcome = await runModule(module, options.quick);
    console.log(renderConsole(outcome));
    outcomes.push(outcome);
  }

  const report: RunReport = {
    mode: options.quick ? 'quick' : 'full',
    only: options.only,
    machine,
    outcomes,
    seconds: (performance.now() - started) / 1000,
  };
  if (options.write) await writeReport(report);
  const missed = outcomes
    .flatMap((o) => o.results)
    .filter((r) => r.met === false);
  const failed = outcomes.filter((o) => o.error !== undefined);
  console.log(
    `${outcomes.length} modules, ${failed.length} failed, ` +
      `${missed.length} goals missed`,
  );
  return failed.length > 0 ? 1 : 0;
}

// Exits explicitly: a module that overran its time may still hold handles.
main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
