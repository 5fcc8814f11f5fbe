/**
 * A dead letter's failure in plain words for operations staff: what went wrong and what to do,
 * from the error's class and the facts it carries (system, field, rule, value).
 */
import type { ErrorKind, SerializedError } from '../../core/errors.js';

const ADVICE: Record<ErrorKind, string> = {
  invalid_data: 'Fix the value in the payload (or in the source record) and replay.',
  not_found: 'The record, or one it refers to, does not exist on the target. Create it or correct the reference, then replay.',
  conflict: 'The write collided with an existing record (a duplicate or several matches). Resolve the duplicate, then replay.',
  auth_expired: 'The connection\'s access token kept being refused after a refresh. Test the connection on the Connections page and replay.',
  unauthorized: 'The connection\'s credentials were refused (wrong password, revoked app or missing permission). Fix them on the Connections page; a successful Test resumes the waiting work.',
  rate_limited: 'The system asked us to slow down for longer than the retries allowed. Replay later.',
  retryable: 'The system was unreachable or failing for every attempt. Check the connection and replay.',
  fatal: 'A configuration problem that retrying cannot fix (settings, entity, flow). Fix the flow or connection, then replay.',
};

const WHAT: Record<ErrorKind, string> = {
  invalid_data: 'refused the record',
  not_found: 'could not find a record',
  conflict: 'reported a conflict',
  auth_expired: 'refused the access token',
  unauthorized: 'refused the credentials',
  rate_limited: 'kept rate-limiting us',
  retryable: 'kept failing',
  fatal: 'cannot accept this flow\'s request',
};

/**
 * Who stopped the record: Syncline's own pre-check against the target's field rules, Syncline's
 * mapping (the flow's rules, before anything was sent), or the target system itself (it answered);
 * null when nobody refused it (the target was unreachable, slow or rate-limiting).
 */
export type RefusedBy = 'precheck' | 'syncline' | 'target';

/** Who refused the record, from the facts the error carries. */
export function refusedBy(error: SerializedError): RefusedBy | null {
  const d = error.details ?? {};
  if (d.refusedBy === 'precheck') return 'precheck';
  if (d.refusedBy === 'target' || d.status !== undefined || d.vendorCode !== undefined || d.system !== undefined) {
    return error.kind === 'retryable' || error.kind === 'rate_limited' ? null : 'target';
  }
  // No system named it: Syncline's own code raised it (a mapping rule, a request that could never be sent).
  return error.kind === 'invalid_data' || error.kind === 'fatal' ? 'syncline' : null;
}

/** One or two sentences saying why a record failed, who refused it, and what to do about it. */
export function plainReason(error: SerializedError): string {
  const d = error.details ?? {};
  const kind: ErrorKind = error.kind in ADVICE ? error.kind : 'fatal';
  const facts: string[] = [];
  if (d.field) facts.push(`field ${d.field}`);
  if (d.rule) facts.push(`rule "${d.rule}"`);
  if (d.value !== undefined) facts.push(`value ${JSON.stringify(d.value)}`);
  const message = error.message ? `: ${error.message}` : '';
  const by = refusedBy(error);
  const system = d.system ? ` (${d.system})` : '';
  const status = d.status !== undefined ? ` with HTTP ${d.status}` : '';
  const who =
    by === 'precheck'
      ? "Syncline's own pre-check refused the record before sending it, against the target's field rules"
      : by === 'syncline'
        ? "Syncline's mapping refused the record before sending anything"
        : by === 'target'
          ? `The target system${system} ${kind === 'invalid_data' ? 'refused the record' : WHAT[kind]}${status}`
          : `${d.system ? `The target (${d.system})` : 'The target system'} ${WHAT[kind]}`;
  return `${who}${message}${facts.length ? ` (${facts.join(', ')})` : ''}. ${ADVICE[kind]}`;
}

/** The plain reason for a group of dead letters from its error kind and example message alone (who refused is not known from these). */
export function groupReason(errorKind: string, example: string): string {
  const kind = (errorKind in ADVICE ? errorKind : 'fatal') as ErrorKind;
  return `${example}. ${ADVICE[kind]}`;
}
