/** Error messages that name the flow, the record, the field, the value and the rule, as dead letters need. */
import { SyncError } from '../core/errors.js';
import { NOT_YET_RULE } from './functions/failures.js';

/** `flow "x", record K` (or `flow "x"` without a key). */
export function where(flow: string, recordKey: string | undefined): string {
  return recordKey ? `flow "${flow}", record ${recordKey}` : `flow "${flow}"`;
}

/** A value as it should read in a message: strings quoted, long values cut. */
export function showValue(value: unknown): string {
  let s: string;
  try {
    s = value === undefined ? 'nothing' : JSON.stringify(value);
  } catch {
    s = String(value);
  }
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
}

/**
 * A mapping-time failure (an expression that threw, a required value that came out empty): invalid
 * data. Except when what threw is a classified failure of something else, such as a `$xref` lookup
 * whose store connection was lost (retryable): that keeps its own kind, or a lost database connection
 * would dead-letter good records.
 */
export function mappingError(
  at: { flow: string; recordKey?: string; target: string },
  field: string,
  rule: string,
  value: unknown,
  problem: string,
  cause?: unknown,
): SyncError {
  if (cause instanceof SyncError && cause.kind !== 'invalid_data') {
    // `$notYet`: the flow itself says what is missing; name the field as any mapping failure does.
    if (cause.details.rule === NOT_YET_RULE) return new SyncError(cause.kind, `${where(at.flow, at.recordKey)}: target "${at.target}", field ${field}: ${cause.message}`, { ...cause.details, field, recordKey: at.recordKey }, { cause });
    return cause;
  }
  return new SyncError(
    'invalid_data',
    `${where(at.flow, at.recordKey)}: target "${at.target}", field ${field} (${rule}): ${problem}`,
    { field, value, rule, recordKey: at.recordKey },
    cause === undefined ? undefined : { cause },
  );
}
