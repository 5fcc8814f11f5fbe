/** A record's identity (name, e-mail, company, found by the server) as one line for people. */
import type { RecordIdentity } from './types';

/** "Dana Smythe · dana@example.com · Acme", or '' when nothing is known. */
export function identityLine(id: RecordIdentity | undefined): string {
  return id ? [id.name, id.email, id.company].filter(Boolean).join(' · ') : '';
}
