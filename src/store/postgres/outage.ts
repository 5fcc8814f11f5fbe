/**
 * Which PostgreSQL errors mean the database was unreachable for a moment (a terminated backend, a
 * failover, a restart, a network blip) rather than that a statement was wrong. Work that fails this
 * way did not fail on its own merits: the engine runs it again without counting the attempt.
 */

/** SQLSTATEs of a connection the server ended or would not take (class 08 is checked by prefix). */
const OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/**
 * Messages node-postgres and pg-pool give for a socket that broke under a client or a pool. Bare
 * socket codes (ECONNREFUSED) are left out on purpose: a vendor's refused connection carries the same
 * code, and a vendor outage must still count against a record's attempts.
 */
const OUTAGE_MESSAGES = [/^Connection terminated/i, /Client has encountered a connection error and is not queryable/i, /timeout exceeded when trying to connect/i];

/** True when `err` (or an error it wraps) says the database connection was lost or refused. */
export function isPostgresOutage(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && (code.startsWith('08') || OUTAGE_STATES.has(code))) return true;
    if (typeof message === 'string' && OUTAGE_MESSAGES.some((m) => m.test(message))) return true;
  }
  return false;
}
