/**
 * How a Clarity connection authenticates, per setting: `identity` logs in once at `/auth/identity`
 * and sends the ServiceStack session cookies (ss-id, ss-pid) on each request, logging in again once
 * when a request answers 401 (the session idled out or the app pool recycled); `basic` sends HTTP
 * Basic on every request and has no session to renew. No HTTP here: client.ts sends the login.
 */
import type { ConnectionState } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import type { HttpResponse } from '../shared/http.js';

const STATE_KEY = 'clarity.session';

/** The session cookies of an identity login. */
export class ClarityAuth {
  private cookie: string | null = null;
  private loaded = false;

  constructor(
    private readonly mode: 'identity' | 'basic',
    private readonly username: string,
    private readonly password: string,
    private readonly state?: ConnectionState,
  ) {}

  /** True when a 401 can be cured by logging in again. */
  get renewable(): boolean {
    return this.mode === 'identity';
  }

  /** True when the next request needs a login first. */
  async needsLogin(): Promise<boolean> {
    if (this.mode !== 'identity') return false;
    if (!this.loaded) {
      this.loaded = true;
      // Another worker of this connection may have logged in already: reuse its session.
      const saved = await this.state?.get(STATE_KEY);
      if (typeof saved === 'string' && saved) this.cookie = saved;
    }
    return this.cookie === null;
  }

  /** The request headers that authenticate a call. */
  headers(): Record<string, string> {
    if (this.mode === 'basic') return { authorization: `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}` };
    return this.cookie ? { cookie: this.cookie } : {};
  }

  /** The body of `POST /auth/identity`. */
  loginBody(): Record<string, unknown> {
    return { Username: this.username, Password: this.password, RememberMe: true };
  }

  /** Keeps the session cookies of a successful login; a refused login is `unauthorized` (the credential itself). */
  async acceptLogin(res: HttpResponse): Promise<void> {
    if (res.status === 401 || res.status === 403) {
      const msg = (res.json as { ResponseStatus?: { Message?: string } } | undefined)?.ResponseStatus?.Message ?? `HTTP ${res.status}`;
      throw new SyncError('unauthorized', `Clarity refused the login of "${this.username}" at /auth/identity: ${msg}. Check the API user and password.`, { system: 'clarity', status: res.status, vendorCode: 'Unauthorized' });
    }
    if (res.status >= 400) throw new SyncError(res.status >= 500 ? 'retryable' : 'fatal', `Clarity /auth/identity answered ${res.status}: ${res.text.slice(0, 200)}`, { system: 'clarity', status: res.status });
    const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0].trim()).filter((c) => /^ss-(id|pid|opt)=/.test(c) && !c.endsWith('='));
    if (!cookies.some((c) => c.startsWith('ss-id='))) {
      throw new SyncError('fatal', 'Clarity /auth/identity answered without an ss-id session cookie; is the identity auth provider enabled? Use authMode basic otherwise.', { system: 'clarity' });
    }
    this.cookie = cookies.join('; ');
    await this.state?.set(STATE_KEY, this.cookie);
  }

  /** Forgets the session (it expired) so the next call logs in. */
  async drop(): Promise<void> {
    this.cookie = null;
    await this.state?.set(STATE_KEY, '');
  }
}
