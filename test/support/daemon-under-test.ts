/**
 * A temp folder with a real daemon process on its own store and socket,
 * for the reliability suite: the daemon runs from dist/ exactly as users
 * start it, and can be killed and restarted on the same store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startDaemon,
  type DaemonProcess,
} from '../../bench/harness/daemon-process.js';
import { RpcConnection } from '../../bench/harness/rpc-connection.js';

export interface DaemonFixture {
  /** The temp folder holding store, socket and workspaces. */
  root: string;
  store: string;
  socket: string;
  daemon: DaemonProcess;
  /** Starts a new daemon on the same store and socket (after a kill). */
  restart(flags?: string[]): Promise<DaemonProcess>;
  connect(): Promise<RpcConnection>;
  dispose(): Promise<void>;
}

export interface FixtureOptions {
  /** Extra `serve` flags. */
  flags?: string[];
  /** The store folder; `<root>/store` when omitted. */
  store?: string;
}

// Retention runs only when a scenario asks: the timer's pass at start
// would otherwise race the scenario's own expectations.
const QUIET_FLAGS = ['--cleanup-interval-minutes', '0'];

export async function startDaemonFixture(
  options: FixtureOptions = {},
): Promise<DaemonFixture> {
  const root = await mkdtemp(join(tmpdir(), 'marianne-rel-'));
  const store = options.store ?? join(root, 'store');
  const socket = join(root, 'daemon.sock');
  const connections: RpcConnection[] = [];
  const launch = (flags = options.flags ?? []): Promise<DaemonProcess> =>
    startDaemon({ dir: store, socket, flags: [...QUIET_FLAGS, ...flags] });

  const fixture: DaemonFixture = {
    root,
    store,
    socket,
    daemon: await launch(),
    async restart(flags) {
      await fixture.daemon.kill();
      fixture.daemon = await launch(flags);
      return fixture.daemon;
    },
    async connect() {
      const connection = await RpcConnection.open(socket);
      connections.push(connection);
      return connection;
    },
    async dispose() {
      for (const connection of connections) connection.close();
      await fixture.daemon.stop(5_000);
      await rm(root, { recursive: true, force: true });
    },
  };
  return fixture;
}
