/** `marianne-snapshot capture <job_id> <workspace>`: take a snapshot now. */
import { Argument, Option } from 'commander';
import type { ResultOf } from '../../../protocol/index.js';
import { expandPath } from '../../../protocol/index.js';
import { parseJobId } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';
import { EXIT } from '../exit-status.js';
import { formatBytes, pluralize } from '../format.js';

type CaptureResult = ResultOf<'snapshot.capture'>;

const SKIP_REASONS = {
  workspace_missing: 'the workspace does not exist or is not a folder',
  nothing_to_capture: 'no file in the workspace matches the capture patterns',
} as const;

export const addCaptureCommand = defineClientCommand<
  [string, string],
  { config?: string },
  CaptureResult
>({
  name: 'capture',
  summary: "capture a snapshot of a job workspace's key artifacts",
  arguments: [
    new Argument('<job_id>', 'the job').argParser(parseJobId),
    new Argument('<workspace>', 'its workspace folder').argParser(expandPath),
  ],
  options: [
    new Option('--config <file>', 'a config file to copy in').argParser(
      expandPath,
    ),
  ],
  examples: ['marianne-snapshot capture job-42 ./workspace --config job.yaml'],
  showsProgress: () => true,
  run: ({ client, args: [jobId, workspace], flags, call }) =>
    client.snapshot.capture(
      { job_id: jobId, workspace, config_path: flags.config },
      call,
    ),
  render(result, { terminal, args: [, workspace] }) {
    const { paint, paintErr } = terminal;

    if (result.snapshot === null) {
      const code = paintErr.red(`(${result.reason})`);
      terminal.err(
        `marianne-snapshot: nothing captured from ${workspace}: ` +
          `${SKIP_REASONS[result.reason]} ${code}`,
      );
      return;
    }

    const { snapshot, failed } = result;
    terminal.out(
      `captured ${paint.bold(snapshot.id)} for ${snapshot.job_id}: ` +
        `${pluralize(snapshot.files, 'file')}, ${formatBytes(snapshot.bytes)}`,
    );
    terminal.out(`  ${paint.dim(snapshot.path)}`);
    for (const { name, error } of failed) {
      terminal.err(
        `marianne-snapshot: ${paintErr.yellow('warning')}: ` +
          `${name} was not captured: ${error}`,
      );
    }
  },
  statusOf: (result) => (result.snapshot === null ? EXIT.FAILED : EXIT.OK),
});
