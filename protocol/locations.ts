/**
 * Where the daemon and its clients find the store and the socket, as the
 * contract fixes them: a flag beats the environment, which beats these
 * defaults, and `~` names the home folder.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DEFAULT_STORE_DIR = '~/.marianne/snapshots';
export const DEFAULT_SOCKET = '~/.marianne/snapshot.sock';
export const STORE_DIR_ENV = 'MARIANNE_SNAPSHOT_DIR';
export const SOCKET_ENV = 'MARIANNE_SNAPSHOT_SOCKET';

/** `~` and `~/x` name the home folder; anything else is made absolute. */
export function expandPath(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return resolve(path);
}
