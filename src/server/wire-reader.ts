import {
  AbstractMessageReader,
  Disposable,
  type DataCallback,
  type Message,
  type MessageReader,
} from 'vscode-jsonrpc/node';
import { CANCEL_NOTIFICATION } from '../../protocol/index.js';
import {
  exceedsNestingDepth,
  MAX_NESTING_DEPTH,
  readUnparsedIdText,
} from './nesting-depth.js';
import { findRawId, splitArray } from './raw-json.js';
import {
  BatchReply,
  toCancelKey,
  type RequestLedger,
} from './request-ledger.js';
import { toWireError } from './wire-errors.js';
import type { WireWriter } from './wire-writer.js';

type Classified =
  | { kind: 'request'; idText: string; id: unknown; message: Incoming }
  | { kind: 'notification'; message: Incoming }
  | { kind: 'invalid'; idText: string; reason: string };

/**
 * Requests that arrived together, handed to vscode-jsonrpc as one queued
 * message: its queue starts one message per event-loop turn, and the
 * connection's message strategy starts every member in that one turn.
 * Never seen on the wire: client notifications other than cancellation
 * are not forwarded.
 */
export interface MessageGroup {
  jsonrpc: '2.0';
  method: typeof MESSAGE_GROUP;
  members: Message[];
}

const MESSAGE_GROUP = '$/messageGroup';

export function isMessageGroup(message: Message): message is MessageGroup {
  return (message as { method?: unknown }).method === MESSAGE_GROUP;
}

interface Incoming {
  method: string;
  params?: unknown;
}

/**
 * Turns message texts into what vscode-jsonrpc can dispatch, and answers
 * itself what vscode-jsonrpc would drop: unparsable JSON, invalid
 * requests, empty batches. Requests reach vscode-jsonrpc with an internal
 * id (see RequestLedger); batches are unpacked, their replies gathered by
 * the writer.
 */
export class WireReader extends AbstractMessageReader implements MessageReader {
  private callback: DataCallback | undefined;
  private group: Message[] = [];

  constructor(
    private readonly ledger: RequestLedger,
    private readonly writer: WireWriter,
    private readonly onInvalid: (reason: string) => void,
  ) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    return Disposable.create(() => {
      this.callback = undefined;
    });
  }

  /** Takes one whole message text off the wire. */
  receive(text: string): void {
    if (exceedsNestingDepth(text)) {
      this.onInvalid('nesting too deep');
      void this.writer.writeError(
        readUnparsedIdText(text),
        toWireError(
          'INVALID_REQUEST',
          'Invalid request: arrays and objects nest deeper than ' +
            `${MAX_NESTING_DEPTH} levels; send a flatter message`,
        ),
      );
      return;
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.onInvalid('unparsable JSON');
      void this.writer.writeError(
        'null',
        toWireError('PARSE_ERROR', 'Parse error: the message is not JSON'),
      );
      return;
    }

    if (Array.isArray(parsed)) this.receiveBatch(text, parsed);
    else this.dispatch(classify(parsed, text), undefined);
  }

  /** Hands over the requests received since the last call, as a group. */
  deliver(): void {
    if (this.group.length === 0) return;

    const members = this.group;
    this.group = [];
    const group: MessageGroup = {
      jsonrpc: '2.0',
      method: MESSAGE_GROUP,
      members,
    };
    this.callback?.(group);
  }

  /** Lets vscode-jsonrpc know the peer is gone. */
  close(): void {
    this.fireClose();
  }

  private receiveBatch(text: string, members: unknown[]): void {
    if (members.length === 0) {
      this.onInvalid('empty batch');
      void this.writer.writeError(
        'null',
        toWireError('INVALID_REQUEST', 'Invalid request: empty batch'),
      );
      return;
    }

    const rawMembers = splitArray(text);
    const classified = members.map((member, index) =>
      classify(member, rawMembers[index] ?? ''),
    );
    const answered = classified.filter((c) => c.kind !== 'notification');
    const batch =
      answered.length > 0 ? new BatchReply(answered.length) : undefined;
    for (const member of classified) this.dispatch(member, batch);
  }

  private dispatch(item: Classified, batch: BatchReply | undefined): void {
    switch (item.kind) {
      case 'invalid':
        return this.rejectInvalid(item.idText, item.reason, batch);
      case 'notification':
        return this.forwardNotification(item.message);
      case 'request':
        return this.forwardRequest(item, batch);
    }
  }

  private rejectInvalid(
    idText: string,
    reason: string,
    batch: BatchReply | undefined,
  ): void {
    this.onInvalid(reason);
    const error = toWireError('INVALID_REQUEST', `Invalid request: ${reason}`);
    if (!batch) {
      void this.writer.writeError(idText, error);
      return;
    }

    const whole = batch.add(
      `{"jsonrpc":"2.0","id":${idText},"error":${JSON.stringify(error)}}`,
    );
    if (whole !== undefined) void this.writer.send(whole);
  }

  private forwardRequest(
    item: Extract<Classified, { kind: 'request' }>,
    batch: BatchReply | undefined,
  ): void {
    const internalId = this.ledger.register({
      idText: item.idText,
      id: item.id,
      batch,
      cancelKey: toCancelKey(item.id),
    });
    this.group.push({
      jsonrpc: '2.0',
      id: internalId,
      method: item.message.method,
      params: item.message.params,
    } as Message);
  }

  // Only cancellation means anything as a notification; it is translated
  // to the internal id, and any other notification is ignored as the
  // specification allows.
  private forwardNotification(message: Incoming): void {
    if (message.method !== CANCEL_NOTIFICATION) return;

    const params = message.params as { id?: unknown } | undefined;
    const key = toCancelKey(params?.id);
    const internalId =
      key === undefined ? undefined : this.ledger.findByCancelKey(key);
    if (internalId === undefined) return;

    // A request still waiting in the group must be queued before its
    // cancellation, which vscode-jsonrpc otherwise forgets unmatched.
    this.deliver();
    this.callback?.({
      jsonrpc: '2.0',
      method: CANCEL_NOTIFICATION,
      params: { id: internalId },
    } as Message);
  }
}

// `text` is the value's own JSON text, for the id as the client wrote it.
function classify(value: unknown, text: string): Classified {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('null', 'a message must be a JSON object');
  }

  const message = value as Record<string, unknown>;
  const hasId = Object.hasOwn(message, 'id');
  const idText = hasId ? readIdText(message.id, text) : 'null';
  if (idText === undefined) {
    return invalid('null', 'id must be a string, a number or null');
  }
  if (message.jsonrpc !== '2.0') {
    return invalid(idText, 'jsonrpc must be "2.0"');
  }
  if (typeof message.method !== 'string') {
    return invalid(idText, 'method must be a string');
  }
  if (
    Object.hasOwn(message, 'params') &&
    (typeof message.params !== 'object' || message.params === null)
  ) {
    return invalid(idText, 'params must be an object');
  }

  const incoming = { method: message.method, params: message.params };
  return hasId
    ? { kind: 'request', idText, id: message.id, message: incoming }
    : { kind: 'notification', message: incoming };
}

function readIdText(id: unknown, text: string): string | undefined {
  if (id === null) return 'null';
  if (typeof id === 'string') return JSON.stringify(id);
  if (typeof id === 'number') {
    return readsAsWritten(id, text)
      ? String(id)
      : (findRawId(text) ?? String(id));
  }
  return undefined;
}

// Most ids are small integers written plainly. When `"id"` occurs once in
// the text it is the member's key; followed by the number as JavaScript
// prints it, that is the spelling, and no scan of the text is needed.
function readsAsWritten(id: number, text: string): boolean {
  if (!Number.isSafeInteger(id) || Object.is(id, -0)) return false;

  const key = text.indexOf('"id"');
  if (key === -1 || text.indexOf('"id"', key + 4) !== -1) return false;

  const spelled = `:${id}`;
  const end = key + 4 + spelled.length;
  return (
    text.startsWith(spelled, key + 4) &&
    (end === text.length || ',} \t\r\n'.includes(text[end]!))
  );
}

function invalid(idText: string, reason: string): Classified {
  return { kind: 'invalid', idText, reason };
}
