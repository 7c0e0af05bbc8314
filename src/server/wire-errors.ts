import { ResponseError } from 'vscode-jsonrpc/node';
import {
  ERRORS,
  SnapshotError,
  type ErrorCode,
  type ErrorData,
} from '../../protocol/index.js';

/** An error reply's `error` member, as it goes on the wire. */
export interface WireError {
  code: number;
  message: string;
  data: ErrorData;
}

export function toWireError(
  code: ErrorCode,
  message: string,
  details: Omit<ErrorData, 'code'> = {},
): WireError {
  return { code: ERRORS[code].number, message, data: { ...details, code } };
}

/** What a handler throws for vscode-jsonrpc to send as an error reply. */
export function toResponseError(
  error: SnapshotError,
): ResponseError<ErrorData> {
  return new ResponseError(error.number, error.message, error.data);
}

/** A whole error reply, for errors found before a request is dispatched. */
export function serializeErrorReply(idText: string, error: WireError): string {
  return `{"jsonrpc":"2.0","id":${idText},"error":${JSON.stringify(error)}}`;
}

export { SnapshotError };
