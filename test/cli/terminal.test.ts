import { describe, expect, it } from 'vitest';
import { createTerminal } from '../../src/cli/terminal.js';

function stream(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  return {
    chunks,
    isTTY,
    columns,
    write: (text: string) => chunks.push(text),
  };
}

describe('createTerminal', () => {
  it.each([
    [true, {}, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, {}, false],
  ])(
    'on a terminal=%s with env %j paints in colour=%s',
    (isTTY, env, coloured) => {
      const terminal = createTerminal({
        stdout: stream(isTTY),
        stderr: stream(false),
        env,
      });

      const text = terminal.paint.red('bad');

      expect(text !== 'bad').toBe(coloured);
      expect(text).toContain('bad');
    },
  );

  it('shows progress only when stderr is a terminal', () => {
    const make = (isTTY: boolean) =>
      createTerminal({ stdout: stream(true), stderr: stream(isTTY), env: {} });

    expect(make(false).createProgress()).toBeUndefined();
    expect(make(true).createProgress()).toBeDefined();
  });

  it('rewrites one progress line and clears it at the end', () => {
    const stderr = stream(true, 30);
    const terminal = createTerminal({ stdout: stream(false), stderr, env: {} });
    const progress = terminal.createProgress()!;

    progress.report({ stage: 'verify', done: 1, total: 4 });
    progress.report({ stage: 'capture', done: 7, total: null, message: 'x' });
    progress.report({
      stage: 'verify',
      done: 2,
      total: 4,
      message: 'a very long artifact name that would wrap',
    });
    progress.clear();

    expect(stderr.chunks).toEqual([
      '\r\u001b[2Kverify 1/4',
      '\r\u001b[2Kcapture 7 x',
      '\r\u001b[2Kverify 2/4 a very long artifa',
      '\r\u001b[2K',
    ]);
  });

  it('does not cut the line when the terminal reports no width', () => {
    const stderr = stream(true, 0);
    const terminal = createTerminal({ stdout: stream(false), stderr, env: {} });

    terminal.createProgress()!.report({ stage: 'verify', done: 2, total: 2 });

    expect(stderr.chunks).toEqual(['\r\u001b[2Kverify 2/2']);
  });
});
