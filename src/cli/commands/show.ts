/** `marianne-snapshot show <job_id> <id>`: one snapshot in full. */
import type {
  Artifact,
  ResultOf,
  SnapshotDetail,
} from '../../../protocol/index.js';
import { createSnapshotRefArguments } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';
import {
  formatAge,
  formatBytes,
  formatTimestamp,
  pluralize,
  renderFields,
  renderTable,
} from '../format.js';

export const addShowCommand = defineClientCommand<
  [string, string],
  object,
  ResultOf<'snapshot.get'>
>({
  name: 'show',
  summary: 'show one snapshot: artifacts, git context, observer summary',
  arguments: createSnapshotRefArguments(),
  examples: ['marianne-snapshot show job-42 01JDQ3ZK8X4M5N6P7Q8R9S0T1V'],
  run: ({ client, args: [jobId, id], call }) =>
    client.snapshot.get({ job_id: jobId, id }, call),
  render(detail, { terminal, now }) {
    const { paint } = terminal;
    const created = new Date(detail.created_at);
    const fields = renderFields([
      ['job', detail.job_id],
      ['id', paint.bold(detail.id)],
      ['created', `${formatTimestamp(created)} (${formatAge(created, now)})`],
      ['pinned', detail.pinned ? 'yes' : 'no'],
      ['workspace', detail.workspace ?? '-'],
      ['path', detail.path],
      [
        'size',
        `${pluralize(detail.files, 'file')}, ${formatBytes(detail.bytes)}`,
      ],
      ['git', describeGit(detail)],
      ['observer', describeObserver(detail)],
    ]);
    for (const line of fields) terminal.out(line);

    if (detail.artifacts.length > 0) {
      terminal.out('');
      const lines = renderTable<Artifact>({
        columns: [
          { header: 'ARTIFACT', value: (a) => a.name },
          {
            header: 'SIZE',
            value: (a) => formatBytes(a.bytes),
            align: 'right',
          },
          { header: 'SHA-256', value: (a) => a.sha256.slice(0, 12) },
        ],
        rows: detail.artifacts,
        style: { header: paint.bold },
      });
      for (const line of lines) terminal.out(line);
    }
    for (const { name, error } of detail.failed) {
      terminal.out(`${paint.yellow('not captured')}: ${name}: ${error}`);
    }
  },
});

function describeGit({ git }: SnapshotDetail): string {
  if (!git) return '-';

  const changes = git.status.split('\n').filter((line) => line.trim()).length;
  const state =
    changes === 0 ? 'clean' : `${pluralize(changes, 'uncommitted change')}`;
  return `${git.branch} @ ${git.head_sha.slice(0, 12)}, ${state}`;
}

function describeObserver({ observer }: SnapshotDetail): string {
  if (!observer) return '-';

  const types = Object.entries(observer.by_type)
    .sort(([, a], [, b]) => b - a)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  const total = pluralize(observer.total_events, 'event');
  return types ? `${total} (${types})` : total;
}
