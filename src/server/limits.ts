/** The limits that keep one client from starving the others. */
export interface DaemonLimits {
  /** The largest message accepted, in bytes. */
  maxMessageBytes: number;
  /** Connections open at once; one more is told why and closed. */
  maxConnections: number;
  /** Store requests running at once, across every connection. */
  maxInFlight: number;
  /** A connection silent this long, with nothing in flight, is closed. */
  idleTimeoutMs: number;
  /** A peer that takes no bytes for this long is disconnected. */
  writeTimeoutMs: number;
  /** How long a stop waits for requests in flight. */
  shutdownGraceMs: number;
}

export const DEFAULT_LIMITS: DaemonLimits = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxConnections: 500,
  maxInFlight: 50,
  idleTimeoutMs: 300_000,
  writeTimeoutMs: 30_000,
  shutdownGraceMs: 10_000,
};
