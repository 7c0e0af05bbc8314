/** Why a daemon could not start, in words a person can act on. */
export class DaemonStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DaemonStartError';
  }
}
