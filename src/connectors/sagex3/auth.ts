/**
 * Authentication to Syracuse: HTTP Basic with the X3 user on every SOAP and REST call (the
 * callContext's codeUser/password are left empty; V7+ ignores them).
 */

/** The Authorization header value for `user`/`password`. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}
