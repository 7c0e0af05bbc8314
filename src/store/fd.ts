/**
 * File descriptors with promises, for the capture's hot path. FileHandle
 * objects cost measurably more per file than bare descriptors (an event
 * emitter each, a close through a finaliser check); with thousands of
 * small artifacts that showed in the profile, so the copy uses these.
 */
import {
  close,
  fchmod,
  fstat,
  fsync,
  futimes,
  open,
  read,
  write,
  type Stats,
} from 'node:fs';

function settle<T>(
  resolve: (value: T) => void,
  reject: (err: Error) => void,
): (err: Error | null, value: T) => void {
  return (err, value) => (err ? reject(err) : resolve(value));
}

export function openFd(
  path: string,
  flags: number | string,
  mode?: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    open(path, flags, mode, settle(resolve, reject)),
  );
}

export function fstatFd(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, settle(resolve, reject)));
}

/** Reads at the current position; 0 means end of file. */
export function readFd(fd: number, buffer: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, null, settle(resolve, reject)),
  );
}

/** Writes all of `chunk` (a short write on a regular file is rare). */
export async function writeAllFd(fd: number, chunk: Uint8Array): Promise<void> {
  let offset = 0;

  while (offset < chunk.length) {
    offset += await new Promise<number>((resolve, reject) =>
      write(
        fd,
        chunk,
        offset,
        chunk.length - offset,
        null,
        settle(resolve, reject),
      ),
    );
  }
}

export function futimesFd(fd: number, time: Date): Promise<void> {
  return new Promise((resolve, reject) =>
    futimes(fd, time, time, (err) => (err ? reject(err) : resolve())),
  );
}

export function fchmodFd(fd: number, mode: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fchmod(fd, mode, (err) => (err ? reject(err) : resolve())),
  );
}

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fsync(fd, (err) => (err ? reject(err) : resolve())),
  );
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) =>
    close(fd, (err) => (err ? reject(err) : resolve())),
  );
}

/** Closes and forgets any error: for cleanup paths only. */
export async function closeQuietly(fd: number): Promise<void> {
  await closeFd(fd).catch(() => undefined);
}
