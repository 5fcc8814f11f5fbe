/**
 * The emulator's OAuth 2.0 server: /services/oauth2/token (password, authorization_code,
 * refresh_token, JWT bearer, client_credentials), /authorize (auto-approving web-server flow),
 * /userinfo and /revoke, with Salesforce's token and error shapes.
 */
import { createHash, createHmac, randomBytes, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { jwtVerify, decodeJwt } from 'jose';
import { authorizePage } from './authorize-page.js';
import type { Reply } from './http.js';

/** A connected app registered in the emulated org. */
export interface ConnectedApp {
  /** Consumer key. */
  clientId: string;
  /** Consumer secret. */
  clientSecret: string;
  /** Public keys accepted for JWT bearer assertions (from an uploaded certificate or PEM key). */
  publicKeys: KeyObject[];
}

/** A user who can log in. */
export interface EmulatedUser {
  username: string;
  password: string;
  userId: string;
}

/** A token the emulator issued. */
export interface IssuedToken {
  clientId: string;
  userId: string;
  /** Epoch ms after which the token is refused with INVALID_SESSION_ID. */
  expiresAt: number;
}

/** Options of the OAuth server. */
export interface OAuthServerOptions {
  /** The emulator's origin (instance_url and identity URLs). */
  origin: () => string;
  orgId: () => string;
  userId: () => string;
  /** Lifetime of access tokens. */
  tokenTtlMs: number;
  now: () => number;
}

/** Default credentials of the emulated org, printed in the docs and used by the demo. */
export const DEFAULT_APP = { clientId: 'syncline-emulator-client', clientSecret: 'syncline-emulator-secret' } as const;
/** Default integration user. */
export const DEFAULT_USER = { username: 'integration@syncline.example', password: 'syncline-password' } as const;

function oauthError(error: string, description: string, status = 400): Reply {
  return { status, body: { error, error_description: description } };
}

/** Turns a PEM public key or certificate into a key object. */
export function publicKeyFromPem(pem: string): KeyObject {
  if (pem.includes('CERTIFICATE')) return new X509Certificate(pem).publicKey;
  return createPublicKey(pem);
}

/** Issues and checks tokens for one emulated org. */
export class OAuthServer {
  readonly apps = new Map<string, ConnectedApp>();
  readonly users = new Map<string, EmulatedUser>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Refresh token → client id. */
  readonly refreshTokens = new Map<string, { clientId: string; userId: string }>();
  private readonly codes = new Map<string, { clientId: string; redirectUri: string; userId: string; challenge?: string; method?: string }>();

  constructor(private readonly opts: OAuthServerOptions) {
    this.apps.set(DEFAULT_APP.clientId, { ...DEFAULT_APP, publicKeys: [] });
  }

  /** Registers (or extends) a connected app; a PEM key or certificate enables JWT bearer for it. */
  registerApp(app: { clientId: string; clientSecret?: string; publicKeyPem?: string }): void {
    const existing = this.apps.get(app.clientId);
    const entry: ConnectedApp = existing ?? { clientId: app.clientId, clientSecret: app.clientSecret ?? randomBytes(16).toString('hex'), publicKeys: [] };
    if (app.clientSecret) entry.clientSecret = app.clientSecret;
    if (app.publicKeyPem) entry.publicKeys.push(publicKeyFromPem(app.publicKeyPem));
    this.apps.set(app.clientId, entry);
  }

  /** Expires every access token now (refresh tokens stay valid). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  /** The live token for a bearer value, or null. */
  check(bearer: string): IssuedToken | null {
    const t = this.tokens.get(bearer);
    if (!t || t.expiresAt <= this.opts.now()) return null;
    return t;
  }

  /**
   * GET /services/oauth2/authorize. With `prompt=login` or `prompt=consent` it shows the login-and-allow
   * page; otherwise the integration user counts as signed in with the app approved, and it redirects
   * back with a code at once (as Salesforce does for a live session).
   */
  authorize(query: URLSearchParams): Reply {
    const invalid = this.checkAuthorizeRequest(query);
    if (invalid) return invalid;
    const prompt = (query.get('prompt') ?? '').split(/\s+/);
    if (prompt.includes('login') || prompt.includes('consent')) return { status: 200, body: authorizePage(query, query.get('client_id')!), contentType: 'text/html;charset=UTF-8' };
    return this.redirectWithCode(query, this.opts.userId());
  }

  /** POST /services/oauth2/authorize: the login-and-allow page's answer (credentials, allow or deny). */
  approve(form: URLSearchParams): Reply {
    const invalid = this.checkAuthorizeRequest(form);
    if (invalid) return invalid;
    const back = new URL(form.get('redirect_uri')!);
    const state = form.get('state');
    if (state) back.searchParams.set('state', state);
    if (form.get('decision') !== 'allow') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'end-user denied authorization');
      return { status: 302, headers: { location: back.toString() } };
    }
    const user = this.users.get(form.get('username') ?? '');
    if (!user || user.password !== form.get('password')) {
      return { status: 200, body: authorizePage(form, form.get('client_id')!, 'Please check your username and password. If you still can\'t log in, contact your Salesforce administrator.'), contentType: 'text/html;charset=UTF-8' };
    }
    return this.redirectWithCode(form, user.userId);
  }

  private checkAuthorizeRequest(query: URLSearchParams): Reply | null {
    if (!this.apps.has(query.get('client_id') ?? '')) return oauthError('invalid_client_id', 'client identifier invalid');
    if (query.get('response_type') !== 'code') return oauthError('unsupported_response_type', 'response type not supported');
    if (!URL.canParse(query.get('redirect_uri') ?? '')) return oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
    return null;
  }

  private redirectWithCode(query: URLSearchParams, userId: string): Reply {
    const code = `aPrx${randomBytes(24).toString('base64url')}`;
    const challenge = query.get('code_challenge') ?? undefined;
    const redirectUri = query.get('redirect_uri')!;
    this.codes.set(code, { clientId: query.get('client_id')!, redirectUri, userId, challenge, method: query.get('code_challenge_method') ?? (challenge ? 'plain' : undefined) });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    const state = query.get('state');
    if (state) target.searchParams.set('state', state);
    return { status: 302, headers: { location: target.toString() } };
  }

  /** POST /services/oauth2/token. */
  async token(form: URLSearchParams, authorization: string | undefined): Promise<Reply> {
    let clientId = form.get('client_id') ?? '';
    let clientSecret = form.get('client_secret') ?? undefined;
    if (authorization?.startsWith('Basic ')) {
      const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
      clientId ||= decodeURIComponent(id ?? '');
      clientSecret ??= decodeURIComponent(secret ?? '');
    }
    const grant = form.get('grant_type');
    switch (grant) {
      case 'password': {
        const app = this.apps.get(clientId);
        if (!app) return oauthError('invalid_client_id', 'client identifier invalid');
        if (clientSecret !== app.clientSecret) return oauthError('invalid_client', 'invalid client credentials');
        const user = this.users.get(form.get('username') ?? '');
        if (!user || user.password !== form.get('password')) return oauthError('invalid_grant', 'authentication failure');
        // The username-password flow never returns a refresh token.
        return this.issue(app, user.userId, false);
      }
      case 'authorization_code': {
        const app = this.apps.get(clientId);
        if (!app) return oauthError('invalid_client_id', 'client identifier invalid');
        if (clientSecret !== app.clientSecret) return oauthError('invalid_client', 'invalid client credentials');
        const code = this.codes.get(form.get('code') ?? '');
        if (!code || code.clientId !== clientId) return oauthError('invalid_grant', 'invalid authorization code');
        if (code.redirectUri !== (form.get('redirect_uri') ?? '')) return oauthError('redirect_uri_mismatch', 'redirect_uri must match configuration');
        if (code.challenge) {
          const verifier = form.get('code_verifier') ?? '';
          const computed = code.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
          if (computed !== code.challenge) return oauthError('invalid_grant', 'invalid code verifier');
        }
        this.codes.delete(form.get('code')!);
        return this.issue(app, code.userId, true);
      }
      case 'refresh_token': {
        const app = this.apps.get(clientId);
        if (!app) return oauthError('invalid_client_id', 'client identifier invalid');
        if (clientSecret !== undefined && clientSecret !== app.clientSecret) return oauthError('invalid_client', 'invalid client credentials');
        const rt = this.refreshTokens.get(form.get('refresh_token') ?? '');
        if (!rt || rt.clientId !== clientId) return oauthError('invalid_grant', 'expired access/refresh token');
        return this.issue(app, rt.userId, false);
      }
      case 'client_credentials': {
        const app = this.apps.get(clientId);
        if (!app) return oauthError('invalid_client_id', 'client identifier invalid');
        if (clientSecret !== app.clientSecret) return oauthError('invalid_client', 'invalid client credentials');
        return this.issue(app, this.opts.userId(), false);
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtBearer(form.get('assertion') ?? '');
      default:
        return oauthError('unsupported_grant_type', 'grant type not supported');
    }
  }

  private async jwtBearer(assertion: string): Promise<Reply> {
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(assertion);
    } catch {
      return oauthError('invalid_grant', 'invalid assertion');
    }
    const app = this.apps.get(String(claims.iss ?? ''));
    if (!app) return oauthError('invalid_client_id', 'client identifier invalid');
    let verified = false;
    for (const key of app.publicKeys) {
      try {
        await jwtVerify(assertion, key, { algorithms: ['RS256'], clockTolerance: 180 });
        verified = true;
        break;
      } catch {
        // try the next registered certificate
      }
    }
    if (!verified) return oauthError('invalid_grant', 'invalid assertion');
    const audiences = [this.opts.origin(), 'https://login.salesforce.com', 'https://test.salesforce.com'];
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => a !== undefined && audiences.includes(String(a).replace(/\/+$/, '')))) return oauthError('invalid_grant', 'audience is invalid');
    if (typeof claims.exp !== 'number') return oauthError('invalid_grant', 'invalid assertion');
    if (claims.exp * 1000 < this.opts.now() - 180_000) return oauthError('invalid_grant', 'expired authorization code');
    const user = this.users.get(String(claims.sub ?? ''));
    if (!user) return oauthError('invalid_grant', "user hasn't approved this consumer");
    return this.issue(app, user.userId, false);
  }

  private issue(app: ConnectedApp, userId: string, withRefresh: boolean): Reply {
    const now = this.opts.now();
    const orgId = this.opts.orgId();
    const accessToken = `${orgId.slice(0, 15)}!${randomBytes(36).toString('base64url')}`;
    this.tokens.set(accessToken, { clientId: app.clientId, userId, expiresAt: now + this.opts.tokenTtlMs });
    const id = `${this.opts.origin()}/id/${orgId}/${userId}`;
    const issuedAt = String(now);
    const body: Record<string, string> = {
      access_token: accessToken,
      signature: createHmac('sha256', app.clientSecret).update(id + issuedAt).digest('base64'),
      scope: withRefresh ? 'refresh_token api' : 'api',
      instance_url: this.opts.origin(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    };
    if (withRefresh) {
      const rt = `5Aep${randomBytes(40).toString('base64url')}`;
      this.refreshTokens.set(rt, { clientId: app.clientId, userId });
      body.refresh_token = rt;
    }
    return { status: 200, body };
  }

  /** POST /services/oauth2/revoke. */
  revoke(form: URLSearchParams): Reply {
    const token = form.get('token') ?? '';
    const known = this.tokens.delete(token) || this.refreshTokens.delete(token);
    return known ? { status: 200 } : oauthError('unsupported_token_type', 'this token type is not supported');
  }
}
