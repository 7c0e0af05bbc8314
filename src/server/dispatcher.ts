import { ResponseError, type CancellationToken } from 'vscode-jsonrpc/node';
import {
  METHODS,
  PROGRESS_NOTIFICATION,
  SnapshotError,
  type ErrorCode,
  type MethodName,
  type ProgressValue,
} from '../../protocol/index.js';
import type { SnapshotStore } from '../store/api.js';
import {
  HANDLERS,
  STORE_FREE_METHODS,
  type HandlerContext,
} from './handlers.js';
import type { DaemonLimits } from './limits.js';
import type { Logger } from './logger.js';
import { ProgressReporter } from './progress-reporter.js';
import { validateParams } from './validate-params.js';

export interface DispatcherOptions {
  store: SnapshotStore;
  log: Logger;
  limits: DaemonLimits;
  daemon: HandlerContext['daemon'];
}

/** What a connection hands the dispatcher with each request. */
export interface RequestScope {
  log: Logger;
  /** The request's id, for the log. */
  id: unknown;
  sendNotification: (method: string, params: unknown) => Promise<void>;
}

// What methods that cannot be cancelled get: no allocation per request.
const NEVER_ABORTED = new AbortController().signal;

// A caller's mistake is logged quietly, a limit reached is worth a look,
// and the rest mean the daemon or its disk is at fault.
function levelFor(code: ErrorCode): 'info' | 'warn' | 'error' {
  if (code === 'INTERNAL_ERROR' || code === 'STORE_UNAVAILABLE') {
    return 'error';
  }
  return code === 'RESOURCE_EXHAUSTED' ? 'warn' : 'info';
}

/**
 * Runs requests for every connection: the daemon-wide limit on requests in
 * flight, the refusal while stopping, params validation, progress and
 * cancellation, and the conversion of every failure into a coded reply.
 */
export class Dispatcher {
  private storeRequests = 0;
  private running = 0;
  private stopping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  get requestsRunning(): number {
    return this.running;
  }

  /** From now on, new requests are refused with SHUTTING_DOWN. */
  stopAccepting(): void {
    this.stopping = true;
  }

  /** Resolves true once nothing runs, or false when the wait ran out. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(true);

    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async handle(
    method: string,
    params: unknown,
    token: CancellationToken,
    scope: RequestScope,
  ): Promise<unknown> {
    // The timing is only worth taking when its debug event is written.
    const started = scope.log.isLevelEnabled('debug') ? performance.now() : -1;
    this.running++;
    try {
      const result = await this.run(method, params, token, scope);
      this.logDone(scope, method, started, true);
      return result;
    } catch (error) {
      this.logDone(scope, method, started, false);
      throw this.toReply(error, method, scope, token);
    } finally {
      this.running--;
      if (this.running === 0) this.wakeIdleWaiters();
    }
  }

  private async run(
    method: string,
    params: unknown,
    token: CancellationToken,
    scope: RequestScope,
  ): Promise<unknown> {
    if (this.stopping) {
      throw new SnapshotError('SHUTTING_DOWN', 'The daemon is shutting down');
    }
    if (!Object.hasOwn(METHODS, method)) {
      throw new SnapshotError(
        'METHOD_NOT_FOUND',
        `Method not found: ${method}`,
        { method },
      );
    }

    const name = method as MethodName;
    const valid = validateParams(METHODS[name].params, params) as {
      progress_token?: string | number;
    };
    if (STORE_FREE_METHODS.has(name)) return this.call(name, valid, scope);

    const { maxInFlight } = this.options.limits;
    if (this.storeRequests >= maxInFlight) {
      throw new SnapshotError(
        'RESOURCE_EXHAUSTED',
        `Too many requests in flight (limit ${maxInFlight}, ` +
          '--max-in-flight); retry shortly',
        { limit: 'max_in_flight' },
      );
    }

    this.storeRequests++;
    const controller = new AbortController();
    // A request cancelled before it started (its cancellation arrived in
    // the same read) is aborted now: the token would only say so later.
    if (token.isCancellationRequested) controller.abort();
    const subscription = token.onCancellationRequested(() =>
      controller.abort(),
    );
    try {
      return await this.call(name, valid, scope, controller.signal);
    } finally {
      subscription.dispose();
      this.storeRequests--;
    }
  }

  private async call(
    name: MethodName,
    params: { progress_token?: string | number },
    scope: RequestScope,
    signal: AbortSignal = NEVER_ABORTED,
  ): Promise<unknown> {
    const progressToken = params.progress_token;
    const reporter =
      progressToken === undefined
        ? undefined
        : new ProgressReporter((value: ProgressValue) => {
            void scope.sendNotification(PROGRESS_NOTIFICATION, {
              token: progressToken,
              value,
            });
          });
    const handler = HANDLERS[name] as (
      params: unknown,
      context: HandlerContext,
    ) => Promise<unknown>;
    try {
      return await handler(params, {
        store: this.options.store,
        signal,
        onProgress: reporter?.report,
        daemon: this.options.daemon,
      });
    } finally {
      reporter?.flush();
    }
  }

  private toReply(
    error: unknown,
    method: string,
    scope: RequestScope,
    token: CancellationToken,
  ): ResponseError<unknown> {
    if (error instanceof SnapshotError) {
      scope.log[levelFor(error.code)](
        { method, id: scope.id, code: error.code, field: error.data.field },
        'request.refused',
      );
      return new ResponseError(error.number, error.message, error.data);
    }
    if (token.isCancellationRequested) {
      scope.log.info({ method, id: scope.id }, 'request.cancelled');
      const cancelled = new SnapshotError(
        'REQUEST_CANCELLED',
        'Request cancelled',
      );
      return new ResponseError(
        cancelled.number,
        cancelled.message,
        cancelled.data,
      );
    }

    scope.log.error({ err: error, method, id: scope.id }, 'request.failed');
    const internal = new SnapshotError(
      'INTERNAL_ERROR',
      `Internal error while running ${method}; the daemon log has the ` +
        `details (request id ${JSON.stringify(scope.id)})`,
    );
    return new ResponseError(internal.number, internal.message, internal.data);
  }

  private logDone(
    scope: RequestScope,
    method: string,
    started: number,
    ok: boolean,
  ): void {
    if (started < 0) return;

    const ms = Math.round((performance.now() - started) * 100) / 100;
    scope.log.debug({ method, id: scope.id, ms, ok }, 'request.handled');
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
