/**
 * The error taxonomy every connector raises and every error policy reads.
 * Failure handling is data: a SyncError carries its class, and the flow's error policy decides
 * whether to retry, wait, refresh a token or dead-letter. No connector sleeps or loops on its own.
 */

/** The classes of failure the engine knows how to treat. */
export type ErrorKind =
  /** Transient: network error, timeout, 5xx. Retry with backoff. */
  | 'retryable'
  /** The target asked us to slow down (429, 403 REQUEST_LIMIT_EXCEEDED, Pardot 66/122). Retry after `retryAfterMs`. */
  | 'rate_limited'
  /** The access token expired. The connector refreshes once itself; if this still escapes, retry later. */
  | 'auth_expired'
  /** The credential itself was refused (wrong password, revoked client, missing permission): retrying cannot help. The connection is marked unhealthy and its flows' jobs wait, without spending attempts, until a successful Test. */
  | 'unauthorized'
  /** The record itself is wrong (missing field, too long, bad value). Never retried: dead-lettered at once. */
  | 'invalid_data'
  /** The record or a record it refers to does not exist. */
  | 'not_found'
  /** The write collides with existing state (duplicate, multiple matches, version conflict). */
  | 'conflict'
  /** A configuration or programming error that retrying cannot fix (bad settings, unknown entity). */
  | 'fatal';

export const ERROR_KINDS: readonly ErrorKind[] = [
  'retryable',
  'rate_limited',
  'auth_expired',
  'unauthorized',
  'invalid_data',
  'not_found',
  'conflict',
  'fatal',
];

/** Extra facts about a failure, kept with the dead letter so a person can act on it. */
export interface SyncErrorDetails {
  /** For rate limits: how long the target asked us to wait. */
  retryAfterMs?: number;
  /** The field at fault, when known (e.g. `CustomerName`). */
  field?: string;
  /** The offending value, already redacted by the caller if sensitive. */
  value?: unknown;
  /** The rule the value broke (e.g. `maxLength 30`). */
  rule?: string;
  /** Who refused the record: Syncline's own check against the target's field rules before sending, or the target system itself. */
  refusedBy?: 'precheck' | 'target';
  /** The key of the record at fault (source id, email). */
  recordKey?: string;
  /** The system that raised it (connector type). */
  system?: string;
  /** The connection the failing call went to (set by the engine), e.g. to mark it unhealthy on 'unauthorized'. */
  connection?: string;
  /** The vendor's own error code (e.g. `INVALID_SESSION_ID`, `66`, `CI_NoKey`). */
  vendorCode?: string;
  /** HTTP status, when the failure came from an HTTP answer. */
  status?: number;
  /** For daily-limit errors: when the budget resets (epoch ms). */
  resetAt?: number;
}

/** A classified failure. Connectors throw these; the engine never has to guess. */
export class SyncError extends Error {
  readonly kind: ErrorKind;
  readonly details: SyncErrorDetails;

  constructor(kind: ErrorKind, message: string, details: SyncErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SyncError';
    this.kind = kind;
    this.details = details;
  }

  /** A stable short signature used to group dead letters (kind + vendor code + field). */
  get signature(): string {
    return [this.kind, this.details.system, this.details.vendorCode, this.details.field].filter(Boolean).join(':');
  }

  toJSON(): SerializedError {
    return { kind: this.kind, message: this.message, details: this.details };
  }
}

/** The shape an error takes in the store (dead letters, traces, job rows). */
export interface SerializedError {
  kind: ErrorKind;
  message: string;
  details: SyncErrorDetails;
}

/** Turns anything thrown into a SyncError; unknown errors are treated as retryable (network, bugs surface in the DLQ after max attempts). */
export function toSyncError(err: unknown): SyncError {
  if (err instanceof SyncError) return err;
  if (err instanceof Error) return new SyncError('retryable', err.message, {}, { cause: err });
  return new SyncError('retryable', String(err));
}

/** Shorthand for the most common case: a record failed validation on one field. */
export function invalidField(field: string, value: unknown, rule: string, message?: string, recordKey?: string): SyncError {
  return new SyncError('invalid_data', message ?? `field "${field}" ${rule} (got ${JSON.stringify(value)})`, {
    field,
    value,
    rule,
    recordKey,
  });
}
