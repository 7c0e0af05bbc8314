/**
 * `marianne-snapshot list [<job_id>]`: one job's snapshots, newest first,
 * or without a job, every job in the store.
 */
import { Argument, Option } from 'commander';
import type {
  JobSummary,
  ResultOf,
  Snapshot,
} from '../../../protocol/index.js';
import { parseJobId, parsePositiveInteger } from '../arguments.js';
import { defineClientCommand, type RenderContext } from '../client-command.js';
import {
  formatAge,
  formatBytes,
  formatTimestamp,
  renderTable,
  type Column,
} from '../format.js';

type ListResult = ResultOf<'snapshot.list'> | ResultOf<'snapshot.jobs'>;
type Args = [jobId: string | undefined];
type Flags = { limit?: number };

export const addListCommand = defineClientCommand<Args, Flags, ListResult>({
  name: 'list',
  summary: "list a job's snapshots, newest first; without a job, every job",
  arguments: [
    new Argument('[job_id]', 'the job; every job when left out').argParser(
      parseJobId,
    ),
  ],
  options: [
    new Option('--limit <n>', 'show only the newest N').argParser(
      parsePositiveInteger,
    ),
  ],
  examples: [
    'marianne-snapshot list',
    'marianne-snapshot list job-42 --limit 5',
  ],
  checkUsage: ([jobId], flags) =>
    jobId === undefined && flags.limit !== undefined
      ? '--limit applies to the snapshots of one job: name the job'
      : undefined,
  run: ({ client, args: [jobId], flags, call }) =>
    jobId === undefined
      ? client.snapshot.jobs({}, call)
      : client.snapshot.list({ job_id: jobId, limit: flags.limit }, call),
  render(result, context) {
    if ('jobs' in result) renderJobs(result.jobs, context);
    else renderSnapshots(result.snapshots, context);
  },
});

function renderSnapshots(
  snapshots: Snapshot[],
  { terminal, args: [jobId], now }: RenderContext<Args, Flags>,
): void {
  if (snapshots.length === 0) {
    terminal.out(`no snapshots of ${jobId ?? 'this job'}`);
    return;
  }

  const columns: Column<Snapshot>[] = [
    { header: 'ID', value: (s) => s.id },
    {
      header: 'CREATED',
      value: (s) => formatTimestamp(new Date(s.created_at)),
    },
    { header: 'AGE', value: (s) => formatAge(new Date(s.created_at), now) },
    { header: 'FILES', value: (s) => String(s.files), align: 'right' },
    { header: 'SIZE', value: (s) => formatBytes(s.bytes), align: 'right' },
  ];
  const style = { header: terminal.paint.bold };
  for (const line of renderTable({ columns, rows: snapshots, style })) {
    terminal.out(line);
  }
}

function renderJobs(
  jobs: JobSummary[],
  { terminal, now }: RenderContext<Args, Flags>,
): void {
  if (jobs.length === 0) {
    terminal.out('no snapshots in the store');
    return;
  }

  const columns: Column<JobSummary>[] = [
    { header: 'JOB', value: (j) => j.job_id },
    {
      header: 'SNAPSHOTS',
      value: (j) => String(j.snapshots),
      align: 'right',
    },
    { header: 'SIZE', value: (j) => formatBytes(j.bytes), align: 'right' },
    {
      header: 'NEWEST',
      value: (j) => (j.newest ? formatAge(new Date(j.newest), now) : '-'),
    },
  ];
  const style = { header: terminal.paint.bold };
  for (const line of renderTable({ columns, rows: jobs, style })) {
    terminal.out(line);
  }
}
