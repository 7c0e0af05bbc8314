/**
 * `marianne-snapshot pin|unpin <job_id> <id>`: keep a snapshot whatever
 * the retention policy says, or let it expire again.
 */
import type { ResultOf } from '../../../protocol/index.js';
import { createSnapshotRefArguments } from '../arguments.js';
import { defineClientCommand, type AddCommand } from '../client-command.js';

function definePinCommand(pinned: boolean): AddCommand {
  const name = pinned ? 'pin' : 'unpin';

  return defineClientCommand<
    [string, string],
    object,
    ResultOf<'snapshot.pin'>
  >({
    name,
    summary: pinned
      ? 'keep a snapshot whatever the retention policy says'
      : 'let retention remove a snapshot again',
    arguments: createSnapshotRefArguments(),
    examples: [`marianne-snapshot ${name} job-42 01JDQ3ZK8X4M5N6P7Q8R9S0T1V`],
    run: ({ client, args: [jobId, id], call }) => {
      const ref = { job_id: jobId, id };
      return pinned
        ? client.snapshot.pin(ref, call)
        : client.snapshot.unpin(ref, call);
    },
    render(result, { terminal, args: [jobId, id] }) {
      terminal.out(
        `${jobId}/${id} is ${result.pinned ? 'pinned' : 'not pinned'}`,
      );
    },
  });
}

export const addPinCommand = definePinCommand(true);
export const addUnpinCommand = definePinCommand(false);
