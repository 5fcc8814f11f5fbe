/** Request headers for the configured authentication; the only place credentials are turned into headers. */
import type { AuthSettings } from './settings.js';

/** The headers that authenticate one request (none for `none` or no auth). */
export function authHeaders(auth: AuthSettings | undefined): Record<string, string> {
  switch (auth?.type) {
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
    default:
      return {};
  }
}
