/**
 * Protocol versions are `major.minor`: a daemon of another minor version
 * only adds what this client can ignore, while another major version may
 * have changed what a method or field means.
 */
import type { Logger } from 'pino';

export function readMajorVersion(version: string): string {
  return version.split('.')[0] ?? version;
}

// Warns once per client (the check runs once, on connect) and lets the
// call go ahead: most methods keep working across versions.
export function checkProtocolVersion(options: {
  daemon: string;
  client: string;
  socket: string;
  logger?: Logger;
  onMismatch?: (versions: { daemon: string; client: string }) => void;
}): boolean {
  const { daemon, client, socket, logger, onMismatch } = options;
  if (readMajorVersion(daemon) === readMajorVersion(client)) return true;

  logger?.warn(
    { socket, daemon_protocol: daemon, client_protocol: client },
    'client.protocol_mismatch',
  );
  onMismatch?.({ daemon, client });
  return false;
}
