/**
 * Salesforce OAuth 2.0 token source shared by the Salesforce and Pardot connectors (Pardot v5 is
 * authenticated with a Salesforce access token). Supports the three server-side grants a hub can use
 * unattended: JWT bearer, refresh token (from a one-time web-server authorisation) and client
 * credentials. Tokens are cached in memory and in the connection's durable state; a refresh is
 * shared by every caller waiting on it so a burst of 401s mints one token, not fifty.
 */
import { SignJWT, importPKCS8 } from 'jose';
import type { BrowserAuthorization, ConnectionState } from '../../core/connector.js';
import { SyncError } from '../../core/errors.js';
import { httpRequest } from './http.js';

/** The OAuth grant used to obtain access tokens. */
export type SalesforceOAuthFlow = 'jwt' | 'refresh_token' | 'client_credentials';

/** Settings needed to obtain a token; secrets come decrypted from the store. */
export interface SalesforceOAuthSettings {
  /** Login host: https://login.salesforce.com, https://test.salesforce.com or the org's My Domain (required for client_credentials). */
  loginUrl: string;
  /** Which grant to use. */
  flow: SalesforceOAuthFlow;
  /** The connected app's consumer key. */
  clientId: string;
  /** The connected app's consumer secret (refresh_token, client_credentials). */
  clientSecret?: string;
  /** The Salesforce username the JWT is issued for (jwt). */
  username?: string;
  /** PEM private key (PKCS#8) whose certificate is uploaded to the connected app (jwt). */
  privateKey?: string;
  /** Refresh token obtained once through the web-server flow (refresh_token). */
  refreshToken?: string;
}

/** An access token and the instance it is valid for. */
export interface SalesforceToken {
  /** Bearer token for the REST and Pardot APIs. */
  accessToken: string;
  /** Base URL of the org's instance (REST calls go here, not to the login host). */
  instanceUrl: string;
  /** When the token was issued, epoch ms (Salesforce's `issued_at`). */
  issuedAt: number;
}

/** Dependencies of a token source. */
export interface SalesforceTokenSourceDeps {
  /** Durable per-connection state, where the current token is cached across restarts. */
  state: ConnectionState;
  /** Observes each token request (tests and metrics); token requests are not API calls. */
  onTokenRequest?: () => void;
  /** JWT audience when it differs from loginUrl (e.g. https://login.salesforce.com while posting to a My Domain). */
  audience?: string;
}

/** The state key prefix under which the current token is kept (suffixed with the credential it belongs to). */
const STATE_KEY = 'salesforce.oauth.token';
/** JWT lifetime: Salesforce refuses assertions whose exp is more than about 3 minutes ahead. */
const JWT_TTL_SECONDS = 170;

/** Gets and refreshes Salesforce access tokens for one connection. */
export class SalesforceTokenSource {
  private current: SalesforceToken | null = null;
  private inflight: Promise<SalesforceToken> | null = null;

  constructor(
    private readonly settings: SalesforceOAuthSettings,
    private readonly deps: SalesforceTokenSourceDeps,
  ) {}

  /** Cached token (from memory or ConnectionState), fetching one when none. */
  async get(): Promise<SalesforceToken> {
    if (this.current) return this.current;
    if (this.inflight) return this.inflight;
    const stored = await this.deps.state.get(this.stateKey);
    if (isToken(stored) && !this.current) {
      this.current = stored;
      return stored;
    }
    return this.current ?? this.refresh();
  }

  /** Forces a new token (after 401 INVALID_SESSION_ID / Pardot 184); concurrent callers share one refresh. */
  refresh(): Promise<SalesforceToken> {
    if (this.inflight) return this.inflight;
    this.inflight = (async () => {
      try {
        const token = await this.requestToken();
        this.current = token;
        await this.deps.state.set(this.stateKey, token);
        return token;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** A token belongs to one login host, app and user: changed settings must not reuse an old one. */
  private get stateKey(): string {
    const s = this.settings;
    return `${STATE_KEY}:${s.flow}:${trimSlash(s.loginUrl)}:${s.clientId}:${s.username ?? ''}`;
  }

  private async requestToken(): Promise<SalesforceToken> {
    const s = this.settings;
    const params = new URLSearchParams();
    switch (s.flow) {
      case 'jwt': {
        if (!s.username || !s.privateKey) throw fatal('the JWT flow needs "username" and "privateKey" (PEM) in the connection settings');
        params.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
        params.set('assertion', await this.signAssertion(s.privateKey, s.username));
        break;
      }
      case 'refresh_token': {
        if (!s.refreshToken) throw fatal('the refresh_token flow needs "refreshToken" in the connection settings: authorise the connection once in the console');
        params.set('grant_type', 'refresh_token');
        params.set('refresh_token', s.refreshToken);
        params.set('client_id', s.clientId);
        if (s.clientSecret) params.set('client_secret', s.clientSecret);
        break;
      }
      case 'client_credentials': {
        if (!s.clientSecret) throw fatal('the client_credentials flow needs "clientSecret" in the connection settings');
        params.set('grant_type', 'client_credentials');
        params.set('client_id', s.clientId);
        params.set('client_secret', s.clientSecret);
        break;
      }
      default:
        throw fatal(`unknown OAuth flow "${String(s.flow)}": use jwt, refresh_token or client_credentials`);
    }
    // Token requests go to the login host, not the API: they spend none of the API budget or
    // concurrency (Salesforce counts neither), so they are sent outside the connection's gate.
    this.deps.onTokenRequest?.();
    const res = await httpRequest({
      method: 'POST',
      url: `${trimSlash(s.loginUrl)}/services/oauth2/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
    const body = (res.json ?? {}) as Record<string, unknown>;
    if (res.status === 200 && typeof body.access_token === 'string' && typeof body.instance_url === 'string') {
      const issued = Number(body.issued_at);
      return { accessToken: body.access_token, instanceUrl: trimSlash(body.instance_url), issuedAt: Number.isFinite(issued) ? issued : Date.now() };
    }
    throw tokenError(s.flow, res.status, body, res.text);
  }

  private async signAssertion(pem: string, username: string): Promise<string> {
    let key: Awaited<ReturnType<typeof importPKCS8>>;
    try {
      key = await importPKCS8(pem, 'RS256');
    } catch (err) {
      throw fatal('the JWT private key could not be read: paste an unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")', err);
    }
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(this.settings.clientId)
      .setSubject(username)
      .setAudience(trimSlash(this.deps.audience ?? this.settings.loginUrl))
      .setExpirationTime(now + JWT_TTL_SECONDS)
      .sign(key);
  }
}

/** Classifies a failed token request into the taxonomy with a message that says what to fix. */
function tokenError(flow: SalesforceOAuthFlow, status: number, body: Record<string, unknown>, text: string): SyncError {
  const code = typeof body.error === 'string' ? body.error : undefined;
  const desc = typeof body.error_description === 'string' ? body.error_description : text.slice(0, 200);
  const details = { system: 'salesforce', vendorCode: code, status };
  if (status >= 500 || status === 429) return new SyncError('retryable', `Salesforce token endpoint answered ${status}: ${desc}`, details);
  // The org's request limit is spent: a wait, not a misconfiguration (the budget resets within 24 h).
  if (text.includes('REQUEST_LIMIT_EXCEEDED')) return new SyncError('rate_limited', `Salesforce token request refused: the org's API request limit is exceeded (${desc})`, { ...details, vendorCode: 'REQUEST_LIMIT_EXCEEDED', retryAfterMs: 60_000 });
  // The credential itself was refused (wrong password, revoked refresh token or client): no refresh can
  // fix that, so these are 'unauthorized': the connection is marked unhealthy and its flows wait for a
  // successful Test instead of retrying into the dead-letter queue.
  if (code === 'invalid_grant') {
    if (flow === 'refresh_token') {
      return new SyncError('unauthorized', `Salesforce refused the refresh token (${desc}): re-authorise the connection in the console to get a new refresh token`, details);
    }
    if (flow === 'jwt') {
      return new SyncError('unauthorized', `Salesforce refused the JWT assertion (${desc}): check the username, that the connected app's certificate matches the private key, and that the user's profile or permission set is pre-authorised for the app`, details);
    }
    return new SyncError('unauthorized', `Salesforce refused the credentials (${desc}): check the user name, password and security token (or the connected app's "Run As" user) and that loginUrl is the org's My Domain`, details);
  }
  if (code === 'invalid_client' || code === 'invalid_client_id' || code === 'invalid_client_credentials') {
    return new SyncError('unauthorized', `Salesforce does not recognise the connected app (${desc}): check clientId (consumer key) and clientSecret, and that the app was not revoked`, details);
  }
  if (code === 'invalid_app_access') {
    return new SyncError('unauthorized', `Salesforce refused the app for this user (${desc}): have an admin pre-approve the connected app for the user's profile`, details);
  }
  return new SyncError('fatal', `Salesforce token request failed (${status} ${code ?? ''}: ${desc}): check the OAuth settings`, details);
}

function fatal(message: string, cause?: unknown): SyncError {
  return new SyncError('fatal', message, { system: 'salesforce' }, cause === undefined ? undefined : { cause });
}

function isToken(v: unknown): v is SalesforceToken {
  const t = v as SalesforceToken | null;
  return !!t && typeof t.accessToken === 'string' && typeof t.instanceUrl === 'string' && typeof t.issuedAt === 'number';
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The settings the web-server flow reads (both connectors name them the same). */
interface WebServerSettings {
  loginUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

/**
 * "Connect with Salesforce": the web-server (authorization code) flow with PKCE, shared by the
 * Salesforce and Pardot connectors (Pardot is authorised through Salesforce's OAuth). The login page
 * is always shown (`prompt=login consent`) so the admin chooses the integration user; the code is
 * redeemed for a refresh token that the connection's refresh_token flow then uses unattended.
 */
export function salesforceBrowserAuthorization(flowSetting: 'flow' | 'authFlow', defaultLoginUrl = 'https://login.salesforce.com'): BrowserAuthorization {
  const login = (s: WebServerSettings) => trimSlash(s.loginUrl || defaultLoginUrl);
  return {
    label: 'Connect with Salesforce',
    credentialSetting: 'refreshToken',
    impliedSettings: { [flowSetting]: 'refresh_token' },
    authorizeUrl(settings, { redirectUri, state, codeChallenge }) {
      const s = settings as WebServerSettings;
      const url = new URL(`${login(s)}/services/oauth2/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: String(s.clientId ?? ''),
        redirect_uri: redirectUri,
        state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        scope: 'api refresh_token',
        prompt: 'login consent',
      }).toString();
      return url.toString();
    },
    async redeemCode(settings, { code, redirectUri, codeVerifier }) {
      const s = settings as WebServerSettings;
      const params = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: String(s.clientId ?? ''), code_verifier: codeVerifier });
      if (s.clientSecret) params.set('client_secret', s.clientSecret);
      // Like every token request: to the login host, outside the connection's API gate.
      const res = await httpRequest({ method: 'POST', url: `${login(s)}/services/oauth2/token`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
      const body = (res.json ?? {}) as Record<string, unknown>;
      if (res.status === 200 && typeof body.refresh_token === 'string') return { refreshToken: body.refresh_token };
      if (res.status === 200) throw new SyncError('fatal', 'Salesforce issued no refresh token: add the "refresh_token, offline_access" scope to the connected app', { system: 'salesforce' });
      throw tokenError('refresh_token', res.status, body, res.text);
    },
  };
}
