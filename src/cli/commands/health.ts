/** `marianne-snapshot health`: whether the daemon answers, and where. */
import type { ResultOf } from '../../../protocol/index.js';
import { defineClientCommand } from '../client-command.js';
import { formatDuration, renderFields } from '../format.js';

export const addHealthCommand = defineClientCommand<
  [],
  object,
  ResultOf<'daemon.health'>
>({
  name: 'health',
  summary: 'show whether the daemon is up, and where it keeps snapshots',
  examples: ['marianne-snapshot health', 'marianne-snapshot health --json'],
  run: ({ client, call }) => client.daemon.health({}, call),
  render(health, { terminal }) {
    const fields = renderFields([
      ['status', terminal.paint.green(health.status)],
      ['version', health.version],
      ['protocol', health.protocol_version],
      ['pid', String(health.pid)],
      ['uptime', formatDuration(health.uptime_seconds)],
      ['store', health.snapshot_dir],
      ['socket', health.socket],
    ]);
    for (const line of fields) terminal.out(line);
  },
});
