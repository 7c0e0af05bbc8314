#!/usr/bin/env node
/**
 * The `marianne-snapshot` command: `serve` runs the daemon, every other
 * command is a client of it.
 */
import { Command } from 'commander';
import { addServeCommand } from './serve.js';

const program = new Command('marianne-snapshot').description(
  'Durable snapshots of Marianne job workspaces',
);
addServeCommand(program);
await program.parseAsync(process.argv);
