/**
 * The bearer token of an X3 connected application (on-premises): an HS256 JWT the client signs with
 * the application's secret, `iss` = client id, `sub` = the X3 user, `aud` = "", short-lived. Kept and
 * reused until shortly before it expires.
 */
import { SignJWT } from 'jose';

/** What a connected application is. */
export interface ConnectedAppOptions {
  clientId: string;
  secret: string;
  /** The X3 user login the calls run as. */
  user: string;
  lifetimeSeconds: number;
  now: () => number;
}

/** Signs and caches the token. */
export class ConnectedAppToken {
  private token: { value: string; expiresMs: number } | null = null;

  constructor(private readonly o: ConnectedAppOptions) {}

  /** A token valid for at least a few more seconds. */
  async get(): Promise<string> {
    const now = this.o.now();
    if (this.token && this.token.expiresMs - now > Math.min(10_000, (this.o.lifetimeSeconds * 1000) / 4)) return this.token.value;
    const iat = Math.floor(now / 1000);
    const exp = iat + this.o.lifetimeSeconds;
    const value = await new SignJWT({ aud: '' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.o.clientId)
      .setSubject(this.o.user)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(this.o.secret));
    this.token = { value, expiresMs: exp * 1000 };
    return value;
  }

  /** Forgets the token (after a 401). */
  reset(): void {
    this.token = null;
  }
}
