/**
 * Every error the daemon or the client can report, in one registry. Each
 * entry has a number for the wire (`error.code`), a stable string that
 * travels in `error.data.code`, and what a person should do about it. The
 * README's error table is checked against this list by a test.
 */
export const ERRORS = {
  PARSE_ERROR: {
    number: -32700,
    resolution: 'Send valid JSON, one message per line or framed with headers.',
  },
  INVALID_REQUEST: {
    number: -32600,
    resolution:
      'Send a JSON-RPC 2.0 request object: jsonrpc "2.0", a string ' +
      'method, params as an object, and an id for a reply.',
  },
  METHOD_NOT_FOUND: {
    number: -32601,
    resolution: 'Call rpc.discover for the methods this daemon serves.',
  },
  INVALID_PARAMS: {
    number: -32602,
    resolution:
      'Fix the param named in data.field; rpc.discover gives every schema.',
  },
  INTERNAL_ERROR: {
    number: -32603,
    resolution: 'A daemon fault: see its log for the event with this request.',
  },
  RESOURCE_EXHAUSTED: {
    number: -32001,
    resolution:
      'A limit was reached (message size, connections, requests in ' +
      'flight): retry later, or raise the limit with the serve flags.',
  },
  SHUTTING_DOWN: {
    number: -32003,
    resolution: 'The daemon is stopping: retry once a new one has started.',
  },
  SNAPSHOT_NOT_FOUND: {
    number: -32010,
    resolution: 'List the job snapshots with snapshot.list and use an id.',
  },
  SNAPSHOT_PINNED: {
    number: -32011,
    resolution: 'Unpin the snapshot with snapshot.unpin before deleting it.',
  },
  SNAPSHOT_BUSY: {
    number: -32012,
    resolution:
      'Another request is reading or removing this snapshot: retry it.',
  },
  TARGET_NOT_EMPTY: {
    number: -32013,
    resolution: 'Restore into an empty folder, or pass overwrite: true.',
  },
  NO_MANIFEST: {
    number: -32014,
    resolution:
      'The snapshot predates manifests (original layout): it can be ' +
      'listed, shown and expired, but not verified, restored or diffed.',
  },
  STORE_UNAVAILABLE: {
    number: -32015,
    resolution:
      'The store could not be written (full disk, read-only, or no ' +
      'permission): free space or fix the store folder, then retry.',
  },
  SNAPSHOT_CORRUPT: {
    number: -32016,
    resolution:
      "The snapshot's files or manifest no longer match: run " +
      'snapshot.verify to see which, and restore from another snapshot.',
  },
  REQUEST_CANCELLED: {
    number: -32800,
    resolution: 'The client cancelled the request; nothing was kept.',
  },
  DAEMON_UNREACHABLE: {
    number: -32090,
    resolution: 'Start a daemon with `marianne-snapshot serve`.',
  },
  DAEMON_TIMEOUT: {
    number: -32091,
    resolution:
      'The daemon accepted the request but did not answer in time: ' +
      'check that it is alive, or raise the client deadline.',
  },
  CONNECTION_LOST: {
    number: -32092,
    resolution:
      'The connection closed before the reply: the operation may or may ' +
      'not have happened; list before retrying a write.',
  },
} as const satisfies Record<string, { number: number; resolution: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** Codes only the client raises; the daemon never sends them. */
export const CLIENT_ONLY_ERRORS: readonly ErrorCode[] = [
  'DAEMON_UNREACHABLE',
  'DAEMON_TIMEOUT',
  'CONNECTION_LOST',
];

/** `error.data` of every error the daemon sends. */
export interface ErrorData {
  code: ErrorCode;
  /** The offending param, for INVALID_PARAMS. */
  field?: string;
  /** The unknown method, for METHOD_NOT_FOUND. */
  method?: string;
  [key: string]: unknown;
}

/** An error with a registry code, raised by the store, daemon or client. */
export class SnapshotError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData;

  constructor(
    code: ErrorCode,
    message: string,
    details: Omit<ErrorData, 'code'> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SnapshotError';
    this.code = code;
    this.data = { ...details, code };
  }

  get number(): number {
    return ERRORS[this.code].number;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The registry code for a wire error number, if there is one. */
export function errorCodeForNumber(number: number): ErrorCode | undefined {
  return (Object.keys(ERRORS) as ErrorCode[]).find(
    (code) => ERRORS[code].number === number,
  );
}
