/** Sign-in, sign-out, who am I, change my password. */
import type { UserRow } from '../../../store/types.js';
import { SESSION_COOKIE } from '../../auth/guard.js';
import { hashPassword, passwordProblem, verifyPassword } from '../../auth/password.js';
import { ApiError, defineRoute, type AnyRoute } from '../route.js';
import { meSchema, obj, okSchema, userSchema } from '../schemas.js';

/** A user without the password hash, as every response shows users. */
export function publicUser(u: UserRow): Omit<UserRow, 'passwordHash'> {
  return { id: u.id, username: u.username, role: u.role, mustChangePassword: u.mustChangePassword, disabled: u.disabled, createdAt: u.createdAt, lastLoginAt: u.lastLoginAt };
}

// The cookie is scoped to the API: the console's static files never need it.
// The value is base64url, so it needs no encoding. No Max-Age: the server ends the session (8 h idle), the browser forgets it on close.
function sessionCookie(value: string, secure: boolean, clear = false): string {
  return [`${SESSION_COOKIE}=${value}`, 'Path=/api', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : []), ...(clear ? ['Max-Age=0'] : [])].join('; ');
}

/** The auth routes. */
export const authRoutes: AnyRoute[] = [
  defineRoute<Record<string, never>, Record<string, never>, { username: string; password: string }>({
    method: 'POST',
    url: '/auth/login',
    access: 'public',
    summary: 'Sign in with a username and password; sets the session cookie and returns the CSRF token.',
    tag: 'auth',
    schema: {
      body: obj({ username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 1024 } }),
      response: { 200: meSchema },
    },
    async handler({ body, request, reply, ctx }) {
      const result = await ctx.auth.login(body.username, body.password, request.ip);
      if (!result.ok) {
        await ctx.store.audit({ actor: body.username.slice(0, 64), action: 'auth.login_failed', target: `user:${body.username.slice(0, 64)}`, details: { ip: request.ip, locked: result.reason === 'locked' } });
        if (result.reason === 'locked') {
          reply.header('retry-after', Math.ceil(result.retryAfterMs / 1000));
          throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(result.retryAfterMs / 1000)} s`, { retryAfterMs: result.retryAfterMs });
        }
        throw new ApiError(401, 'invalid_credentials', 'wrong username or password');
      }
      reply.header('set-cookie', sessionCookie(result.sessionCookie, ctx.secureCookies));
      await ctx.store.audit({ actor: result.user.username, action: 'auth.login', target: `user:${result.user.username}`, details: { ip: request.ip } });
      return { user: publicUser(result.user), via: 'session', csrfToken: result.csrfToken };
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/auth/logout',
    access: 'viewer',
    allowPendingPasswordChange: true,
    summary: 'Sign out: ends the session and clears the cookie.',
    tag: 'auth',
    schema: { response: { 200: okSchema } },
    async handler({ principal, reply, ctx, audit }) {
      if (principal) await ctx.auth.logout(principal);
      reply.header('set-cookie', sessionCookie('', ctx.secureCookies, true));
      await audit('auth.logout', `user:${principal?.user.username}`);
      return { ok: true };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/auth/me',
    access: 'viewer',
    allowPendingPasswordChange: true,
    summary: 'The signed-in user, how they signed in, and the CSRF token to send as x-csrf-token.',
    tag: 'auth',
    schema: { response: { 200: meSchema } },
    async handler({ principal }) {
      const p = principal!;
      return { user: publicUser(p.user), via: p.via, csrfToken: p.csrfToken ?? null };
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { currentPassword: string; newPassword: string }>({
    method: 'POST',
    url: '/auth/password',
    access: 'viewer',
    allowPendingPasswordChange: true,
    summary: 'Change my password (required after a one-time password).',
    tag: 'auth',
    schema: {
      body: obj({ currentPassword: { type: 'string', maxLength: 1024 }, newPassword: { type: 'string', maxLength: 1024 } }),
      response: { 200: obj({ user: userSchema }) },
    },
    async handler({ principal, body, ctx, audit }) {
      const user = principal!.user;
      if (!(await verifyPassword(body.currentPassword, user.passwordHash))) throw new ApiError(400, 'wrong_password', 'the current password is wrong');
      const problem = passwordProblem(body.newPassword);
      if (problem) throw new ApiError(400, 'weak_password', `new password: ${problem}`);
      if (body.newPassword === body.currentPassword) throw new ApiError(400, 'same_password', 'choose a password different from the current one');
      await ctx.store.updateUser(user.id, { passwordHash: await hashPassword(body.newPassword), mustChangePassword: false });
      const ended = await ctx.auth.endOtherCredentials(user.id, principal);
      await audit('user.password_change', `user:${user.username}`, { endedSessions: ended.sessions, revokedTokens: ended.tokens });
      return { user: publicUser({ ...user, mustChangePassword: false }) };
    },
  }),
];
