/** `marianne-snapshot delete <job_id> <id>`: remove one snapshot. */
import type { ResultOf } from '../../../protocol/index.js';
import { createSnapshotRefArguments } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';

export const addDeleteCommand = defineClientCommand<
  [string, string],
  object,
  ResultOf<'snapshot.delete'>
>({
  name: 'delete',
  summary: 'remove one snapshot (unpin it first if it is pinned)',
  arguments: createSnapshotRefArguments(),
  examples: ['marianne-snapshot delete job-42 01JDQ3ZK8X4M5N6P7Q8R9S0T1V'],
  run: ({ client, args: [jobId, id], call }) =>
    client.snapshot.delete({ job_id: jobId, id }, call),
  render(_, { terminal, args: [jobId, id] }) {
    terminal.out(`deleted ${jobId}/${id}`);
  },
});
