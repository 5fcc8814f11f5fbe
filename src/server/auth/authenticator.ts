/**
 * Who is calling: signs users in, turns a session cookie or a bearer token back into a principal,
 * and keeps sessions sliding. Everything it keeps is in the Store, the sign-in counters included.
 */
import type { ApiTokenRow, Store, UserRow } from '../../store/types.js';
import { hashPassword, randomPassword, verifyPassword } from './password.js';
import { API_TOKEN_PREFIX, hashSecret, randomSecret } from './tokens.js';
import { LoginThrottle, type ThrottleOptions } from './throttle.js';

/** How a request proved who it is. */
export type AuthVia = 'session' | 'token';

/** The signed-in caller of one request. */
export interface Principal {
  user: UserRow;
  via: AuthVia;
  /** sha256 of the session cookie (session callers only). */
  sessionIdHash?: string;
  /** The session's CSRF token (session callers only). */
  csrfToken?: string;
  /** The API token's id (token callers only). */
  tokenId?: string;
}

/** Options for the authenticator. */
export interface AuthenticatorOptions {
  /** Idle lifetime of a session; every use pushes it forward (default 8 h). */
  sessionTtlMs?: number;
  /** Sign-in throttle tuning. */
  throttle?: ThrottleOptions;
  /** Clock, for tests. */
  now?: () => number;
}

/** The outcome of one sign-in attempt. */
export type LoginResult =
  | { ok: true; user: UserRow; sessionCookie: string; csrfToken: string }
  | { ok: false; reason: 'invalid' | 'locked'; retryAfterMs: number };

/** Don't rewrite the session row on every request; once a minute is enough for an 8 h window. */
const RENEW_AFTER_MS = 60_000;

/** Signs in, resolves cookies and tokens, signs out. */
export class Authenticator {
  readonly sessionTtlMs: number;
  readonly throttle: LoginThrottle;
  private readonly now: () => number;
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly store: Store, options: AuthenticatorOptions = {}) {
    this.sessionTtlMs = options.sessionTtlMs ?? 8 * 60 * 60_000;
    this.now = options.now ?? Date.now;
    this.throttle = new LoginThrottle(store, { now: this.now, ...options.throttle });
  }

  /** Checks a username and password from a client address; on success opens a session. */
  async login(username: string, password: string, ip: string): Promise<LoginResult> {
    // Counted before the password is checked, so attempts sent at once cannot all be checked.
    const wait = await this.throttle.take(username, ip);
    if (wait > 0) return { ok: false, reason: 'locked', retryAfterMs: wait };
    const user = await this.store.getUser(username.trim());
    // Hash even for unknown users so response time does not reveal which usernames exist.
    const hash = user && !user.disabled ? user.passwordHash : await (this.dummyHash ??= hashPassword(randomPassword()));
    const good = (await verifyPassword(password, hash)) && user !== null && !user.disabled;
    if (!good || !user) return { ok: false, reason: 'invalid', retryAfterMs: 0 };
    await this.throttle.succeed(username, ip);
    const sessionCookie = randomSecret();
    const csrfToken = randomSecret();
    const at = this.now();
    await this.store.createSession({
      idHash: hashSecret(sessionCookie),
      userId: user.id,
      csrfToken,
      createdAt: new Date(at).toISOString(),
      expiresAt: new Date(at + this.sessionTtlMs).toISOString(),
    });
    const lastLoginAt = new Date(at).toISOString();
    await this.store.updateUser(user.id, { lastLoginAt });
    return { ok: true, user: { ...user, lastLoginAt }, sessionCookie, csrfToken };
  }

  /** The principal behind a session cookie, or null when unknown, expired or the user is disabled. Slides the expiry. */
  async fromSession(cookie: string): Promise<Principal | null> {
    const idHash = hashSecret(cookie);
    const session = await this.store.getSession(idHash);
    if (!session) return null;
    const now = this.now();
    const expires = Date.parse(session.expiresAt);
    if (expires <= now) {
      await this.store.deleteSession(idHash);
      return null;
    }
    const user = await this.store.getUser(session.userId);
    if (!user || user.disabled) return null;
    if (now + this.sessionTtlMs - expires > RENEW_AFTER_MS) {
      // The Store has no update for sessions: replace the row with the same id and a later expiry.
      await this.store.deleteSession(idHash);
      await this.store.createSession({ ...session, expiresAt: new Date(now + this.sessionTtlMs).toISOString() });
    }
    return { user, via: 'session', sessionIdHash: idHash, csrfToken: session.csrfToken };
  }

  /** The principal behind an API token, or null when unknown, revoked or the user is disabled. */
  async fromToken(token: string): Promise<Principal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return null;
    const row: ApiTokenRow | null = await this.store.findApiToken(hashSecret(token));
    if (!row || row.revoked) return null;
    const user = await this.store.getUser(row.userId);
    if (!user || user.disabled) return null;
    return { user, via: 'token', tokenId: row.id };
  }

  /**
   * Ends every session and API token of a user except the one `keep` is using (when it is that
   * user's own): after a password change or reset, whoever held the old password or a token made
   * with it is signed out. Returns how many sessions and tokens ended.
   */
  async endOtherCredentials(userId: string, keep: Principal | null): Promise<{ sessions: number; tokens: number }> {
    const own = keep?.user.id === userId ? keep : null;
    const sessions = await this.store.deleteSessionsOf(userId, own?.sessionIdHash);
    const tokens = await this.store.revokeApiTokensOf(userId, own?.tokenId);
    return { sessions, tokens };
  }

  /** Ends a session. */
  async logout(principal: Principal): Promise<void> {
    if (principal.sessionIdHash) await this.store.deleteSession(principal.sessionIdHash);
  }
}
