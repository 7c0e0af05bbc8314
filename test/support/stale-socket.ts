/**
 * A socket file nobody listens on, made the way it happens for real: a
 * process binds the socket and is killed before it can remove it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export async function makeStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      'require("node:net").createServer().listen(process.argv[1], () => ' +
        'process.stdout.write("ready\\n"))',
      path,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );

  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}
