import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon.js';

const run = promisify(execFile);
const README = readFileSync(
  join(import.meta.dirname, '..', '..', 'README.md'),
  'utf8',
);
const DEFAULT_SOCKET = '$HOME/.marianne/snapshot.sock';

// The README's indented shell blocks that pipe into socat.
function readSocatExamples(markdown: string): string[] {
  const blocks: string[] = [];
  let block: string[] = [];
  for (const line of [...markdown.split('\n'), '']) {
    if (line.startsWith('    ')) {
      block.push(line.slice(4));
      continue;
    }
    if (block.some((text) => text.includes('| socat'))) {
      blocks.push(block.join('\n'));
    }
    block = [];
  }
  return blocks;
}

let daemon: DaemonProcess;

beforeAll(async () => {
  daemon = await startDaemonProcess();
});

afterAll(async () => {
  await daemon.dispose();
});

describe("the README's shell examples", () => {
  const examples = readSocatExamples(README);

  it('include the socat examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples)('runs as written: %s', async (example) => {
    const script = example.replaceAll(DEFAULT_SOCKET, daemon.socket);
    const sent = [...example.matchAll(/"id":(\d+)/g)].map((m) => Number(m[1]));

    const { stdout } = await run('sh', ['-c', script]);
    const replies = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(replies.map((reply) => reply.id).sort()).toEqual(sent.sort());
    for (const reply of replies) {
      expect(reply).toHaveProperty('result');
      expect(reply).not.toHaveProperty('error');
    }
  });
});
