/**
 * Where the command line writes, and how it dresses text: colour only on a
 * terminal and only when NO_COLOR is unset (https://no-color.org), so that
 * a pipe or a file receives plain text.
 */
import type { ProgressValue } from '../../protocol/index.js';

export interface Paint {
  bold: (text: string) => string;
  dim: (text: string) => string;
  red: (text: string) => string;
  green: (text: string) => string;
  yellow: (text: string) => string;
}

export interface Terminal {
  out(line: string): void;
  err(line: string): void;
  /** Colours for stdout. */
  paint: Paint;
  /** Colours for stderr. */
  paintErr: Paint;
  /** A live progress line on stderr, or nothing when stderr is no terminal. */
  createProgress(): Progress | undefined;
}

export interface Progress {
  report(value: ProgressValue): void;
  clear(): void;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function createTerminal(options: {
  stdout: Stream;
  stderr: Stream;
  env: NodeJS.ProcessEnv;
}): Terminal {
  const { stdout, stderr, env } = options;
  const noColor = (env.NO_COLOR ?? '') !== '';

  return {
    out: (line) => stdout.write(`${line}\n`),
    err: (line) => stderr.write(`${line}\n`),
    paint: createPaint(stdout.isTTY === true && !noColor),
    paintErr: createPaint(stderr.isTTY === true && !noColor),
    createProgress: () =>
      stderr.isTTY ? createProgressLine(stderr) : undefined,
  };
}

function createPaint(enabled: boolean): Paint {
  const style =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;

  return {
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
  };
}

const CLEAR_LINE = '\r\u001b[2K';

// One line, rewritten in place: `verify 12/40 job-1/01J...`.
function createProgressLine(stream: Stream): Progress {
  let shown = false;

  return {
    report(value) {
      const count =
        value.total === null ? `${value.done}` : `${value.done}/${value.total}`;
      const message = value.message ? ` ${value.message}` : '';
      const line = `${value.stage} ${count}${message}`;
      // A line wider than the terminal wraps, and \r then rewrites only
      // its last part.
      const width = (stream.columns || 80) - 1;
      stream.write(`${CLEAR_LINE}${line.slice(0, width)}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write(CLEAR_LINE);
      shown = false;
    },
  };
}
