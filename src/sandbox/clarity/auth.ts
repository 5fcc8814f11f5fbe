/**
 * ServiceStack AuthFeature as CEF configures it: `POST {base}/auth/identity` with
 * `{ Username, Password, RememberMe }` sets the session cookies `ss-id` and `ss-pid`; `/auth/logout`
 * ends the session; HTTP Basic on each request works too (BasicAuthProvider). A session idles out
 * after `sessionTtlMs` of the shop clock (each request slides it), after which requests get 401.
 * Routes check permissions such as `Ordering.SalesOrder.Confirm`; a missing one is 403.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ShopClock } from './clock.js';
import { ValidationFailure } from './state.js';

/** An API user of the emulated site. */
export interface ClarityApiUser {
  username: string;
  password: string;
  /** Permission names granted (`Contacts.User.View`); `*` grants all, `*.View` every View. */
  permissions: string[];
}

interface Session {
  user: ClarityApiUser;
  expiresAt: number;
}

/** Default users: a full integration user and a read-only one. */
export const DEFAULT_USERS: ClarityApiUser[] = [
  { username: 'syncline-api', password: 'clarity', permissions: ['*'] },
  { username: 'readonly-api', password: 'clarity', permissions: ['*.View'] },
];

/** Sessions and credentials of the emulated site. */
export class ClarityAuth {
  private readonly sessions = new Map<string, Session>();
  /** Idle time after which a session expires. */
  sessionTtlMs: number;
  /** Whether HTTP Basic is accepted (BasicAuthProvider registered and enabled). */
  basicEnabled: boolean;

  constructor(
    readonly users: ClarityApiUser[],
    private readonly clock: ShopClock,
    options: { sessionTtlMs: number; basicEnabled: boolean },
  ) {
    this.sessionTtlMs = options.sessionTtlMs;
    this.basicEnabled = options.basicEnabled;
  }

  /** `/auth/identity`: the user for these credentials and new session cookies, or a 401. */
  login(username: unknown, password: unknown): { user: ClarityApiUser; ssId: string; ssPid: string } {
    const user = this.users.find((u) => u.username.toLowerCase() === String(username ?? '').toLowerCase() && u.password === password);
    if (!user) throw new ValidationFailure([{ ErrorCode: 'Unauthorized', FieldName: '', Message: 'Invalid UserName or Password' }], 401);
    const ssId = randomBytes(15).toString('base64url');
    const ssPid = randomBytes(15).toString('base64url');
    this.sessions.set(ssId, { user, expiresAt: this.clock.nowMs() + this.sessionTtlMs });
    return { user, ssId, ssPid };
  }

  /** Ends the session named by the request's ss-id cookie. */
  logout(req: IncomingMessage): void {
    const id = cookie(req, 'ss-id');
    if (id) this.sessions.delete(id);
  }

  /** Ends every session (as an app-pool recycle does). */
  expireAll(): void {
    this.sessions.clear();
  }

  /** The authenticated user of a request (session cookie or Basic), or a 401. */
  authenticate(req: IncomingMessage): ClarityApiUser {
    const id = cookie(req, 'ss-id');
    if (id) {
      const s = this.sessions.get(id);
      const now = this.clock.nowMs();
      if (s && s.expiresAt > now) {
        s.expiresAt = now + this.sessionTtlMs;
        return s.user;
      }
      if (s) this.sessions.delete(id);
    }
    const auth = req.headers.authorization;
    if (this.basicEnabled && auth?.toLowerCase().startsWith('basic ')) {
      const [name, ...rest] = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8').split(':');
      const user = this.users.find((u) => u.username.toLowerCase() === name.toLowerCase() && u.password === rest.join(':'));
      if (user) return user;
      throw new ValidationFailure([{ ErrorCode: 'Unauthorized', FieldName: '', Message: 'Invalid BasicAuth Credentials' }], 401);
    }
    throw new ValidationFailure([{ ErrorCode: 'Unauthorized', FieldName: '', Message: 'Not Authenticated' }], 401);
  }

  /** Throws a 403 unless `user` holds `permission`. */
  require(user: ClarityApiUser, permission: string): void {
    const verb = permission.slice(permission.lastIndexOf('.') + 1);
    if (user.permissions.some((p) => p === '*' || p === permission || p === `*.${verb}`)) return;
    throw new ValidationFailure([{ ErrorCode: 'Forbidden', FieldName: '', Message: `Invalid Permission: ${permission}` }], 403);
  }
}

/** One cookie's value from the request. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}
