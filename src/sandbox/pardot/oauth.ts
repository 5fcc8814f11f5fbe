/**
 * A Salesforce-style token endpoint (`POST /services/oauth2/token`) so the Pardot emulator is
 * self-contained: a connection's loginUrl can point here. Only tokens issued here are accepted by
 * the API, and each expires after the configured TTL.
 *
 * Grants: refresh_token, client_credentials, and jwt-bearer. A JWT assertion must be RS256; it is
 * verified against `jwtPublicKey` when one is configured, otherwise any well-formed, unexpired RS256
 * assertion with iss and sub is accepted (tests need no key pair).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';

/** Who may obtain tokens. Unset fields accept any value. */
export interface OAuthOptions {
  /** Token lifetime in ms (default 2 h, Salesforce's default session timeout). */
  tokenTtlMs: number;
  clientId?: string;
  clientSecret?: string;
  /** The only refresh token accepted, when set. */
  refreshToken?: string;
  /** PEM (SPKI) public key that verifies JWT bearer assertions, when set. */
  jwtPublicKey?: string;
}

/** An answer of the token endpoint. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

const ORG_ID = '00D5e000000XyZa';
const USER_ID = '0055e000001AbCd';

/** Issued access tokens and their expiry. */
export class TokenRegistry {
  private tokens = new Map<string, number>();
  /** Tokens issued so far (for tests). */
  issued = 0;

  constructor(private readonly now: () => number) {}

  /** Mints a token valid for `ttlMs`. */
  issue(ttlMs: number): string {
    const token = `${ORG_ID}!AQ${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, this.now() + ttlMs);
    this.issued += 1;
    return token;
  }

  /** 'valid', 'expired' or 'unknown'. */
  check(token: string): 'valid' | 'expired' | 'unknown' {
    const exp = this.tokens.get(token);
    if (exp === undefined) return 'unknown';
    return exp > this.now() ? 'valid' : 'expired';
  }

  /** Makes every issued token expire now. */
  expireAll(): void {
    const t = this.now();
    for (const k of this.tokens.keys()) this.tokens.set(k, t);
  }

  clear(): void {
    this.tokens.clear();
  }
}

/** Handles one token request body (form-encoded), with the Basic auth header some clients use. */
export async function handleTokenRequest(
  form: URLSearchParams,
  authorization: string | undefined,
  opts: OAuthOptions,
  registry: TokenRegistry,
  origin: string,
): Promise<TokenAnswer> {
  let clientId = form.get('client_id') ?? undefined;
  let clientSecret = form.get('client_secret') ?? undefined;
  if (authorization?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':');
    clientId ??= id;
    clientSecret ??= secret;
  }
  const grant = form.get('grant_type');
  const fail = (error: string, description: string): TokenAnswer => ({ status: 400, body: { error, error_description: description } });

  if (grant === 'refresh_token') {
    if (!checkClient(opts, clientId, clientSecret, false)) return fail('invalid_client', 'invalid client credentials');
    const rt = form.get('refresh_token');
    if (!rt || (opts.refreshToken !== undefined && rt !== opts.refreshToken)) return fail('invalid_grant', 'expired access/refresh token');
  } else if (grant === 'client_credentials') {
    if (!clientSecret || !checkClient(opts, clientId, clientSecret, true)) return fail('invalid_client', 'invalid client credentials');
  } else if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
    const problem = await checkAssertion(form.get('assertion'), opts);
    if (problem) return fail('invalid_grant', problem);
  } else {
    return fail('unsupported_grant_type', 'grant type not supported');
  }

  const issuedAt = String(Date.now());
  const id = `${origin}/id/${ORG_ID}/${USER_ID}`;
  const body: Record<string, unknown> = {
    access_token: registry.issue(opts.tokenTtlMs),
    instance_url: origin,
    id,
    token_type: 'Bearer',
    issued_at: issuedAt,
    scope: 'api refresh_token pardot_api',
    signature: createHmac('sha256', opts.clientSecret ?? clientSecret ?? '').update(id + issuedAt).digest('base64'),
  };
  return { status: 200, body };
}

function checkClient(opts: OAuthOptions, clientId: string | undefined, secret: string | undefined, secretRequired: boolean): boolean {
  if (opts.clientId !== undefined && clientId !== opts.clientId) return false;
  if (opts.clientSecret !== undefined && (secretRequired || secret !== undefined) && secret !== opts.clientSecret) return false;
  return clientId !== undefined;
}

/** Returns why an assertion is refused, or null when it is acceptable. */
async function checkAssertion(assertion: string | null, opts: OAuthOptions): Promise<string | null> {
  if (!assertion) return 'assertion missing';
  try {
    const header = decodeProtectedHeader(assertion);
    if (header.alg !== 'RS256') return 'invalid assertion: only RS256 is supported';
    const claims = opts.jwtPublicKey ? (await jwtVerify(assertion, await importSPKI(opts.jwtPublicKey, 'RS256'))).payload : decodeJwt(assertion);
    if (!claims.iss || !claims.sub) return 'invalid assertion: iss and sub are required';
    if (opts.clientId !== undefined && claims.iss !== opts.clientId) return 'invalid assertion: unknown consumer key';
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now() - 180_000) return 'invalid assertion: expired';
    return null;
  } catch (err) {
    return `invalid assertion: ${(err as Error).message}`;
  }
}
