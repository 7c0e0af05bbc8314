/**
 * `marianne-snapshot verify [<job_id> [<id>]]`: check artifacts against
 * their manifests; exits 1 when any problem is found.
 */
import { Argument } from 'commander';
import type { ResultOf, VerifyProblem } from '../../../protocol/index.js';
import { parseJobId, parseSnapshotId } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';
import { EXIT } from '../exit-status.js';
import { pluralize, renderTable } from '../format.js';

const PROBLEMS: Record<VerifyProblem['problem'], string> = {
  missing: 'missing',
  changed: 'content changed',
  unexpected: 'not in the manifest',
  no_manifest: 'no manifest (original layout)',
};

export const addVerifyCommand = defineClientCommand<
  [jobId: string | undefined, id: string | undefined],
  object,
  ResultOf<'snapshot.verify'>
>({
  name: 'verify',
  summary: 'check snapshots against their manifests: one, a job, or all',
  arguments: [
    new Argument('[job_id]', 'only this job').argParser(parseJobId),
    new Argument('[id]', 'only this snapshot of the job').argParser(
      parseSnapshotId,
    ),
  ],
  examples: [
    'marianne-snapshot verify',
    'marianne-snapshot verify job-42 01JDQ3ZK8X4M5N6P7Q8R9S0T1V',
  ],
  showsProgress: ([, id]) => id === undefined,
  run: ({ client, args: [jobId, id], call }) =>
    client.snapshot.verify({ job_id: jobId, id }, call),
  render(result, { terminal }) {
    const { paint } = terminal;
    const checked = pluralize(result.checked, 'snapshot');

    if (result.ok) {
      terminal.out(`${paint.green('ok')}: ${checked} match their manifests`);
      return;
    }

    const lines = renderTable<VerifyProblem>({
      columns: [
        { header: 'JOB', value: (p) => p.job_id },
        { header: 'ID', value: (p) => p.id },
        { header: 'ARTIFACT', value: (p) => p.name ?? '*' },
        { header: 'PROBLEM', value: (p) => PROBLEMS[p.problem] ?? p.problem },
      ],
      rows: result.problems,
      style: { header: paint.bold },
    });
    for (const line of lines) terminal.out(line);
    terminal.out(
      `${paint.red(pluralize(result.problems.length, 'problem'))} ` +
        `in ${checked} checked`,
    );
  },
  statusOf: (result) => (result.ok ? EXIT.OK : EXIT.FAILED),
});
