/**
 * Tells a store outage (the database connection lost, refused or shut down) from everything else.
 * A run that fails because the store went away has not failed for its record: the worker retries it
 * without spending one of the record's attempts (docs/decisions/0014-postgres-unit-of-work.md).
 */

/** SQLSTATE classes and codes of a lost or refused database connection (PostgreSQL). */
const CONNECTION_CODES = /^(08...|57P0[1-4]|53300)$/;
/** What the pg client and pool say when the socket is gone or cannot be opened. */
const CONNECTION_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Client has encountered a connection error and is not queryable',
  'timeout exceeded when trying to connect',
  'terminating connection due to administrator command',
];

/** True when `err` (or an error it was caused by) is the database connection failing. */
export function isStoreOutage(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 6 && e instanceof Error; depth++) {
    const code = (e as Error & { code?: unknown }).code;
    // pg's server errors carry a SQLSTATE and a severity; socket errors of HTTP clients carry neither.
    if (typeof code === 'string' && CONNECTION_CODES.test(code) && 'severity' in e) return true;
    if (CONNECTION_MESSAGES.some((m) => e instanceof Error && e.message.includes(m))) return true;
    e = e.cause;
  }
  return false;
}
