/**
 * `marianne-snapshot cleanup`: remove snapshots by retention policy, or
 * with --dry-run, say which would go and why.
 */
import { Option } from 'commander';
import type { RemovalReason, ResultOf } from '../../../protocol/index.js';
import { parseCount, parseHours, parseJobId, parseSize } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';
import { formatBytes, pluralize, renderTable } from '../format.js';

type CleanupResult = ResultOf<'snapshot.cleanup'>;
type Removal = CleanupResult['snapshots'][number];

interface CleanupFlags {
  maxAgeHours?: number;
  keepLast?: number;
  maxTotalBytes?: number;
  job?: string;
  dryRun?: boolean;
}

const DEFAULT_MAX_AGE_HOURS = 168;

export const addCleanupCommand = defineClientCommand<
  [],
  CleanupFlags,
  CleanupResult
>({
  name: 'cleanup',
  summary: 'remove snapshots by age and size; pinned ones are always kept',
  options: [
    new Option(
      '--max-age-hours <h>',
      `remove snapshots older than this (default ${DEFAULT_MAX_AGE_HOURS})`,
    ).argParser(parseHours),
    new Option('--keep-last <n>', "always keep each job's newest N").argParser(
      parseCount,
    ),
    new Option(
      '--max-total-bytes <size>',
      'then remove the oldest until the store fits (e.g. 5GB)',
    ).argParser(parseSize),
    new Option('--job <job_id>', 'only this job').argParser(parseJobId),
    new Option('--dry-run', 'remove nothing; print what would go, and why'),
  ],
  examples: [
    'marianne-snapshot cleanup --dry-run',
    'marianne-snapshot cleanup --max-age-hours 24 --keep-last 3',
  ],
  showsProgress: () => true,
  run: ({ client, flags, call }) =>
    client.snapshot.cleanup(
      {
        max_age_hours: flags.maxAgeHours,
        keep_last: flags.keepLast,
        max_total_bytes: flags.maxTotalBytes,
        job_id: flags.job,
        dry_run: flags.dryRun,
      },
      call,
    ),
  render(result, { terminal, flags }) {
    const dryRun = flags.dryRun === true;
    if (result.snapshots.length === 0) {
      terminal.out(dryRun ? 'nothing would be removed' : 'nothing removed');
      return;
    }

    const count = pluralize(result.snapshots.length, 'snapshot');
    const size = formatBytes(result.freed_bytes);
    terminal.out(
      dryRun
        ? `would remove ${count}, freeing ${size}:`
        : `removed ${count}, freed ${size}:`,
    );
    const lines = renderTable<Removal>({
      columns: [
        { header: 'JOB', value: (r) => r.job_id },
        { header: 'ID', value: (r) => r.id },
        { header: 'REASON', value: (r) => describeReason(r.reason, flags) },
      ],
      rows: result.snapshots,
      style: { header: terminal.paint.bold },
    });
    for (const line of lines) terminal.out(line);
  },
});

function describeReason(reason: RemovalReason, flags: CleanupFlags): string {
  switch (reason) {
    case 'max_age':
      return `older than ${flags.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS} hours`;
    case 'quota':
      return `store over ${formatBytes(flags.maxTotalBytes ?? 0)}`;
    case 'deleted':
      return 'deleted';
  }
}
