/**
 * What every command except `serve` shares: `--socket` and `--json`, an
 * example in its help, one connection to the daemon, progress on stderr,
 * and the choice between a person's rendering and the raw result.
 */
import type { Argument, Command, Option } from 'commander';
import {
  connect,
  type CallOptions,
  type SnapshotClient,
} from '../client/index.js';
import { createSocketOption } from './arguments.js';
import { EXIT, type ExitStatus } from './exit-status.js';
import type { Terminal } from './terminal.js';

/** Flags every client command has. */
export interface ClientFlags {
  socket: string;
  json?: boolean;
}

export interface RunContext<Args, Flags> {
  client: SnapshotClient;
  args: Args;
  flags: Flags & ClientFlags;
  /** Pass on to the call: Ctrl-C's signal, and progress when shown. */
  call: CallOptions;
}

export interface RenderContext<Args, Flags> {
  terminal: Terminal;
  args: Args;
  flags: Flags & ClientFlags;
  now: Date;
}

export interface ClientCommandSpec<Args extends unknown[], Flags, Result> {
  /** The command's name, as typed: `show`. */
  name: string;
  summary: string;
  arguments?: Argument[];
  options?: Option[];
  /** Shown under `Example:` in the command's help. */
  examples: string[];
  /** Whether to show the daemon's progress reports (on a terminal). */
  showsProgress?: (args: Args, flags: Flags) => boolean;
  /** Bad usage that commander cannot see: a message, or nothing. */
  checkUsage?: (args: Args, flags: Flags) => string | undefined;
  run(context: RunContext<Args, Flags>): Promise<Result>;
  render(result: Result, context: RenderContext<Args, Flags>): void;
  /** The exit status a result deserves; success when omitted. */
  statusOf?: (result: Result) => ExitStatus;
}

export interface CommandEnvironment {
  terminal: Terminal;
  /** Sets the process exit status. */
  exit: (status: ExitStatus) => void;
}

/** Adds one command to the program. */
export type AddCommand = (
  program: Command,
  environment: CommandEnvironment,
) => Command;

export function defineClientCommand<Args extends unknown[], Flags, Result>(
  spec: ClientCommandSpec<Args, Flags, Result>,
): AddCommand {
  return (program, environment) => addClientCommand(program, spec, environment);
}

function addClientCommand<Args extends unknown[], Flags, Result>(
  program: Command,
  spec: ClientCommandSpec<Args, Flags, Result>,
  environment: CommandEnvironment,
): Command {
  const command = program.command(spec.name).description(spec.summary);

  for (const argument of spec.arguments ?? []) command.addArgument(argument);
  for (const option of spec.options ?? []) command.addOption(option);
  command
    .addOption(createSocketOption())
    .option('--json', 'print the result as one JSON document')
    .addHelpText(
      'after',
      `\nExample:\n${spec.examples.map((line) => `  $ ${line}`).join('\n')}`,
    )
    .action(async (...all: unknown[]) => {
      const self = all.at(-1) as Command;
      const args = self.processedArgs as Args;
      const flags = self.opts<Flags & ClientFlags>();

      const misuse = spec.checkUsage?.(args, flags);
      if (misuse) self.error(`error: ${misuse}`);

      await runClientCommand({ spec, args, flags, environment });
    });

  return command;
}

async function runClientCommand<
  Args extends unknown[],
  Flags,
  Result,
>(options: {
  spec: ClientCommandSpec<Args, Flags, Result>;
  args: Args;
  flags: Flags & ClientFlags;
  environment: CommandEnvironment;
}): Promise<void> {
  const { spec, args, flags, environment } = options;
  const { terminal } = environment;
  const client = await connect({
    socket: flags.socket,
    onProtocolMismatch: ({ daemon, client }) =>
      terminal.err(
        `marianne-snapshot: warning: the daemon speaks protocol ${daemon}, ` +
          `this client ${client}; some commands may fail`,
      ),
  });
  const progress = spec.showsProgress?.(args, flags)
    ? terminal.createProgress()
    : undefined;
  const interrupt = new AbortController();
  const onInterrupt = () => cancelOnInterrupt({ interrupt, terminal });
  process.once('SIGINT', onInterrupt);

  try {
    const result = await spec.run({
      client,
      args,
      flags,
      call: {
        signal: interrupt.signal,
        onProgress: progress && ((value) => progress.report(value)),
      },
    });
    progress?.clear();

    if (flags.json) terminal.out(JSON.stringify(result, null, 2));
    else spec.render(result, { terminal, args, flags, now: new Date() });
    environment.exit(spec.statusOf?.(result) ?? EXIT.OK);
  } finally {
    process.off('SIGINT', onInterrupt);
    progress?.clear();
    client.close();
  }
}

// The first Ctrl-C asks the daemon to cancel and waits for its answer,
// which says whether the operation was undone or had already finished;
// a second one quits at once.
function cancelOnInterrupt(options: {
  interrupt: AbortController;
  terminal: Terminal;
}): void {
  const { interrupt, terminal } = options;

  terminal.err(
    'marianne-snapshot: interrupted; asking the daemon to cancel ' +
      '(Ctrl-C again quits without waiting)',
  );
  interrupt.abort();
  process.once('SIGINT', () => process.exit(EXIT.INTERRUPTED));
}
