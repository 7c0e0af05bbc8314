import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ERRORS, SnapshotError, type ErrorCode } from '../../protocol/index.js';
import { EXIT, chooseExitStatus } from '../../src/cli/exit-status.js';

const statusOf = (code: ErrorCode) =>
  chooseExitStatus(new SnapshotError(code, 'it failed'));

describe('chooseExitStatus', () => {
  it.each([
    ['INVALID_PARAMS', EXIT.USAGE],
    ['DAEMON_UNREACHABLE', EXIT.UNREACHABLE],
    ['DAEMON_TIMEOUT', EXIT.UNREACHABLE],
    ['CONNECTION_LOST', EXIT.UNREACHABLE],
    ['SNAPSHOT_NOT_FOUND', EXIT.FAILED],
    ['SNAPSHOT_PINNED', EXIT.FAILED],
    ['INTERNAL_ERROR', EXIT.FAILED],
    ['SHUTTING_DOWN', EXIT.FAILED],
    ['REQUEST_CANCELLED', EXIT.INTERRUPTED],
  ] as const)('gives %s status %i', (code, status) => {
    expect(statusOf(code)).toBe(status);
  });

  it('gives every registry code one of the documented statuses', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      expect([1, 2, 3, 130]).toContain(statusOf(code));
    }
  });

  it('treats a commander usage error as status 2 and help as 0', () => {
    const usage = new CommanderError(1, 'commander.unknownOption', 'x');
    const help = new CommanderError(0, 'commander.helpDisplayed', '');

    expect(chooseExitStatus(usage)).toBe(EXIT.USAGE);
    expect(chooseExitStatus(help)).toBe(EXIT.OK);
  });

  it('treats an unexpected exception as a failure', () => {
    expect(chooseExitStatus(new TypeError('boom'))).toBe(EXIT.FAILED);
  });
});
