/**
 * The bookkeeping that lets vscode-jsonrpc serve full JSON-RPC 2.0. Each
 * incoming request gets an internal numeric id, since vscode-jsonrpc
 * neither answers `"id": null` nor keeps a number's exact spelling; the
 * ledger remembers the id as the client wrote it and the batch the request
 * came in, so the writer can answer in the client's terms.
 */

/** The replies of one batch, sent together once every member is answered. */
export class BatchReply {
  private readonly parts: string[] = [];

  constructor(private readonly expected: number) {}

  /** Adds one reply; returns the whole batch reply once it is complete. */
  add(reply: string): string | undefined {
    this.parts.push(reply);
    if (this.parts.length < this.expected) return undefined;

    return `[${this.parts.join(',')}]`;
  }
}

export interface LedgerEntry {
  /** The id's JSON text as the client wrote it. */
  idText: string;
  /** The id as parsed, for the log (a huge number comes back rounded). */
  id: unknown;
  batch: BatchReply | undefined;
  /** How a `$/cancelRequest` names this request, if it can. */
  cancelKey: string | undefined;
}

export class RequestLedger {
  private nextId = 1;
  /** Requests received that no handler has started on yet. */
  waiting = 0;
  private readonly entries = new Map<number, LedgerEntry>();
  private readonly byCancelKey = new Map<string, number>();

  get outstanding(): number {
    return this.entries.size;
  }

  register(entry: LedgerEntry): number {
    const internalId = this.nextId++;
    this.entries.set(internalId, entry);
    this.waiting++;
    if (entry.cancelKey !== undefined) {
      this.byCancelKey.set(entry.cancelKey, internalId);
    }
    return internalId;
  }

  /** A handler has started on a request. */
  markStarted(): void {
    this.waiting = Math.max(0, this.waiting - 1);
  }

  peek(internalId: number): LedgerEntry | undefined {
    return this.entries.get(internalId);
  }

  /** Removes a request once its reply is written. */
  settle(internalId: number): LedgerEntry | undefined {
    const entry = this.entries.get(internalId);
    if (!entry) return undefined;

    this.entries.delete(internalId);
    if (
      entry.cancelKey !== undefined &&
      this.byCancelKey.get(entry.cancelKey) === internalId
    ) {
      this.byCancelKey.delete(entry.cancelKey);
    }
    return entry;
  }

  findByCancelKey(key: string): number | undefined {
    return this.byCancelKey.get(key);
  }
}

/** How a request id is named by a later `$/cancelRequest`. */
export function toCancelKey(id: unknown): string | undefined {
  if (typeof id === 'string') return `s:${id}`;
  if (typeof id === 'number') return `n:${id}`;
  return undefined;
}
