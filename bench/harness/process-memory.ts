/**
 * Resident memory of a process, read from /proc/<pid>/status: VmRSS now,
 * VmHWM the peak since the process started.
 */
import { readFileSync } from 'node:fs';

export interface MemorySample {
  /** Resident set size now, in bytes. */
  rss: number;
  /** Highest resident set size so far, in bytes. */
  hwm: number;
}

const MIB = 1024 * 1024;

export function toMiB(bytes: number): number {
  return bytes / MIB;
}

function readKiloBytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** The process's memory, or null once it has exited. */
export function readMemory(pid: number): MemorySample | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  return {
    rss: readKiloBytes(status, 'VmRSS'),
    hwm: readKiloBytes(status, 'VmHWM'),
  };
}

export interface MemorySampler {
  /** Stops sampling; returns the highest VmRSS seen and the last VmHWM. */
  stop(): { peakRss: number; hwm: number; samples: number };
}

/** Samples VmRSS every `intervalMs` until stopped, keeping the peak. */
export function sampleMemory(pid: number, intervalMs = 20): MemorySampler {
  let peakRss = 0;
  let hwm = 0;
  let samples = 0;
  const take = (): void => {
    const sample = readMemory(pid);
    if (!sample) return;
    samples += 1;
    peakRss = Math.max(peakRss, sample.rss);
    hwm = sample.hwm;
  };

  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakRss, hwm, samples };
    },
  };
}
