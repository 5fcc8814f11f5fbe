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

/** One or two sentences saying why a record failed and what to do about it. */
export function plainReason(error: SerializedError): string {
  const d = error.details ?? {};
  const who = d.system ? `The target (${d.system})` : 'The target system';
  const kind: ErrorKind = error.kind in ADVICE ? error.kind : 'fatal';
  const facts: string[] = [];
  if (d.field) facts.push(`field ${d.field}`);
  if (d.rule) facts.push(`rule "${d.rule}"`);
  if (d.value !== undefined) facts.push(`value ${JSON.stringify(d.value)}`);
  const message = error.message ? `: ${error.message}` : '';
  return `${who} ${WHAT[kind]}${message}${facts.length ? ` (${facts.join(', ')})` : ''}. ${ADVICE[kind]}`;
}

/** The plain reason for a group of dead letters, from its error kind and an example message. */
export function groupReason(errorKind: string, example: string): string {
  const kind = (errorKind in ADVICE ? errorKind : 'fatal') as ErrorKind;
  return plainReason({ kind, message: example, details: {} });
}
