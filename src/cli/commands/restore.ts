/**
 * `marianne-snapshot restore <job_id> <id> <target>`: copy a snapshot's
 * artifacts into a folder, each checked against its manifest.
 */
import { Argument, Option } from 'commander';
import type { ResultOf } from '../../../protocol/index.js';
import { expandPath } from '../../../protocol/index.js';
import { createSnapshotRefArguments } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';
import { pluralize } from '../format.js';

export const addRestoreCommand = defineClientCommand<
  [string, string, string],
  { overwrite?: boolean },
  ResultOf<'snapshot.restore'>
>({
  name: 'restore',
  summary: "copy a snapshot's artifacts into a folder, verified",
  arguments: [
    ...createSnapshotRefArguments(),
    new Argument('<target>', 'folder to restore into').argParser(expandPath),
  ],
  options: [new Option('--overwrite', 'write into a folder that is not empty')],
  examples: [
    'marianne-snapshot restore job-42 01JDQ3ZK8X4M5N6P7Q8R9S0T1V ./restored',
  ],
  run: ({ client, args: [jobId, id, target], flags, call }) =>
    client.snapshot.restore(
      { job_id: jobId, id, target, overwrite: flags.overwrite },
      call,
    ),
  render(result, { terminal, args: [jobId, id] }) {
    terminal.out(
      `restored ${pluralize(result.restored, 'file')} of ${jobId}/${id} ` +
        `into ${result.target}`,
    );
  },
});
