/**
 * `marianne-snapshot diff <job_id> <from> <to>`: which artifacts were
 * added, removed or changed between two snapshots, and how git moved.
 */
import { Argument } from 'commander';
import type { ResultOf } from '../../../protocol/index.js';
import { parseJobId, parseSnapshotId } from '../arguments.js';
import { defineClientCommand } from '../client-command.js';
import { pluralize } from '../format.js';

type DiffResult = ResultOf<'snapshot.diff'>;

export const addDiffCommand = defineClientCommand<
  [string, string, string],
  object,
  DiffResult
>({
  name: 'diff',
  summary: 'compare the artifacts and git context of two snapshots',
  arguments: [
    new Argument('<job_id>', 'the job').argParser(parseJobId),
    new Argument('<from>', 'the older snapshot').argParser(parseSnapshotId),
    new Argument('<to>', 'the newer snapshot').argParser(parseSnapshotId),
  ],
  examples: ['marianne-snapshot diff job-42 01JDQ3ZK8X 01JDQ4M2QA'],
  run: ({ client, args: [jobId, from, to], call }) =>
    client.snapshot.diff({ job_id: jobId, from, to }, call),
  render(diff, { terminal }) {
    const { paint } = terminal;

    for (const name of diff.added) terminal.out(paint.green(`+ ${name}`));
    for (const name of diff.removed) terminal.out(paint.red(`- ${name}`));
    for (const name of diff.changed) terminal.out(paint.yellow(`~ ${name}`));
    const unchanged = pluralize(diff.unchanged.length, 'artifact');
    terminal.out(paint.dim(`${unchanged} unchanged`));

    for (const line of describeGitChange(diff.git)) terminal.out(line);
  },
});

function describeGitChange(git: DiffResult['git']): string[] {
  const { from, to, changed } = git;
  if (!from && !to) return [];
  if (!from || !to) return [`git: context only in ${from ? 'from' : 'to'}`];
  if (changed.length === 0) return ['git: unchanged'];

  const short = (sha: string) => sha.slice(0, 12);
  return changed.map((field) => {
    switch (field) {
      case 'head_sha':
        return `git head: ${short(from.head_sha)} -> ${short(to.head_sha)}`;
      case 'branch':
        return `git branch: ${from.branch} -> ${to.branch}`;
      case 'status':
        return 'git status: changed';
    }
  });
}
