/**
 * Browser authorisations under way ("Connect with Salesforce"): between sending the browser to the
 * vendor and its return, the hub keeps the connection being made and the PKCE verifier, keyed by
 * the random `state`. In memory, per admin API instance, for 10 minutes: the return must reach the
 * instance that started it (a single server, or sticky sessions behind a balancer).
 */
import { createHash, randomBytes } from 'node:crypto';

/** One authorisation waiting for the browser to come back. */
export interface PendingAuthorization {
  /** Who started it (only they may finish it). */
  username: string;
  name: string;
  type: string;
  /** All values (plain and secret) the connection will be saved with, besides the redeemed credential. */
  values: Record<string, unknown>;
  /** Whether the connection exists already (re-authorising) or is created. */
  existing: boolean;
  redirectUri: string;
  codeVerifier: string;
  expiresAt: number;
}

const TTL_MS = 10 * 60_000;

/** The PKCE S256 challenge of a verifier (RFC 7636). */
export function codeChallengeOf(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** Authorisations under way, by state. */
export class PendingAuthorizations {
  private readonly byState = new Map<string, PendingAuthorization>();

  /** Starts one: returns the `state` to send and the verifier's challenge. */
  start(entry: Omit<PendingAuthorization, 'codeVerifier' | 'expiresAt'>, now = Date.now()): { state: string; codeChallenge: string } {
    for (const [k, v] of this.byState) if (v.expiresAt <= now) this.byState.delete(k);
    const state = randomBytes(24).toString('base64url');
    const codeVerifier = randomBytes(48).toString('base64url');
    this.byState.set(state, { ...entry, codeVerifier, expiresAt: now + TTL_MS });
    return { state, codeChallenge: codeChallengeOf(codeVerifier) };
  }

  /** Takes the authorisation for `state` (each can be finished once), or null when unknown or expired. */
  take(state: string, now = Date.now()): PendingAuthorization | null {
    const entry = this.byState.get(state);
    this.byState.delete(state);
    return entry && entry.expiresAt > now ? entry : null;
  }
}
