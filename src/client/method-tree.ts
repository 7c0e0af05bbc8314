/**
 * The client's per-method conveniences, generated from METHODS: the wire
 * name `snapshot.list` becomes `client.snapshot.list(params, options)`,
 * typed from the method's own schemas. Nothing here names a method, so a
 * method added to protocol/ appears on the client by itself.
 */
import {
  METHODS,
  type MethodName,
  type ParamsOf,
  type ProgressValue,
  type ResultOf,
} from '../../protocol/index.js';

/** Per-call options. */
export interface CallOptions {
  /** Deadline for the reply; the client's default for the method if unset. */
  timeoutMs?: number;
  /** Sends `$/cancelRequest` to the daemon when aborted. */
  signal?: AbortSignal;
  /** Receives the daemon's `$/progress` reports for this call. */
  onProgress?: (progress: ProgressValue) => void;
}

/** A method's params as a caller writes them; the client adds the token. */
export type CallParams<M extends MethodName> = Omit<
  ParamsOf<M>,
  'progress_token'
>;

/** Params may be left out when the method has no required param. */
export type CallArgs<M extends MethodName> =
  Record<never, never> extends CallParams<M>
    ? [params?: CallParams<M>, options?: CallOptions]
    : [params: CallParams<M>, options?: CallOptions];

export type CallMethod = <M extends MethodName>(
  method: M,
  ...args: CallArgs<M>
) => Promise<ResultOf<M>>;

type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

type NamespaceOf<M extends string> = M extends `${infer N}.${string}`
  ? N
  : never;

/** `client.<namespace>.<member>(...)` for every method of the wire. */
export type MethodTree = {
  [N in NamespaceOf<MethodName>]: {
    [
      M in MethodName as M extends `${N}.${infer Member}`
        ? CamelCase<Member>
        : never
    ]: (...args: CallArgs<M>) => Promise<ResultOf<M>>;
  };
};

export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) =>
    letter.toUpperCase(),
  );
}

export function buildMethodTree(call: CallMethod): MethodTree {
  const tree: Record<string, Record<string, unknown>> = {};

  for (const method of Object.keys(METHODS) as MethodName[]) {
    const dot = method.indexOf('.');
    const namespace = method.slice(0, dot);
    const member = toCamelCase(method.slice(dot + 1));
    const branch = (tree[namespace] ??= {});
    branch[member] = (...args: CallArgs<typeof method>) =>
      call(method, ...args);
  }

  return tree as MethodTree;
}
