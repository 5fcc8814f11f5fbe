import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../../src/core/errors.js';
import { SalesforceTokenSource } from '../../../src/connectors/shared/salesforce-oauth.js';
import { DEFAULT_APP, DEFAULT_USER, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';
import { connect, makeContext, rsaKeyPair, setup } from './harness.js';

let emu: SalesforceEmulator;
let settings: Record<string, unknown>;

beforeAll(async () => {
  ({ emu, settings } = await setup());
});
afterAll(async () => emu.close());

function stateOf(): { get(k: string): Promise<unknown>; set(k: string, v: unknown): Promise<void> } {
  const m = new Map<string, unknown>();
  return { get: async (k) => m.get(k), set: async (k, v) => void m.set(k, v) };
}

describe('Salesforce OAuth against the emulator', () => {
  it('JWT bearer: signs an RS256 assertion the emulator verifies with the registered key', async () => {
    const { conn } = connect(settings);
    const before = emu.state.calls.auth;
    const res = await conn.check();
    expect(res.ok).toBe(true);
    expect(res.info?.orgId).toMatch(/^00D/);
    expect(emu.state.calls.auth).toBeGreaterThan(before);
  });

  it('JWT bearer with a key the connected app does not know is unauthorized, naming the certificate', async () => {
    const other = rsaKeyPair();
    const src = new SalesforceTokenSource(
      { loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: DEFAULT_USER.username, privateKey: other.privateKeyPem },
      { state: stateOf() },
    );
    const err = await src.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('unauthorized');
    expect((err as SyncError).details.vendorCode).toBe('invalid_grant');
    expect((err as SyncError).message).toMatch(/certificate/);
  });

  it('JWT for an unknown user gets invalid_grant "user hasn\'t approved this consumer"', async () => {
    const src = new SalesforceTokenSource(
      { loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: 'nobody@example.com', privateKey: String(settings.privateKey) },
      { state: stateOf() },
    );
    const err = (await src.get().catch((e: unknown) => e)) as SyncError;
    expect(err.message).toContain("user hasn't approved this consumer");
  });

  it('client credentials: a token with the instance URL; a wrong secret is unauthorized (no retry can fix it)', async () => {
    const ok = new SalesforceTokenSource({ loginUrl: emu.url, flow: 'client_credentials', clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret }, { state: stateOf() });
    const tok = await ok.get();
    expect(tok.instanceUrl).toBe(emu.url);
    expect(tok.accessToken).toMatch(/^00D[A-Za-z0-9]{12}!/);
    const bad = new SalesforceTokenSource({ loginUrl: emu.url, flow: 'client_credentials', clientId: DEFAULT_APP.clientId, clientSecret: 'wrong' }, { state: stateOf() });
    const err = (await bad.get().catch((e: unknown) => e)) as SyncError;
    expect(err.kind).toBe('unauthorized');
    expect(err.details.vendorCode).toBe('invalid_client');
  });

  it('refresh token (web-server flow): authorize, exchange the code, then refresh; a revoked refresh token is unauthorized', async () => {
    const redirect = 'http://localhost:9999/callback';
    const auth = await fetch(`${emu.url}/services/oauth2/authorize?response_type=code&client_id=${DEFAULT_APP.clientId}&redirect_uri=${encodeURIComponent(redirect)}&state=xyz`, { redirect: 'manual' });
    expect(auth.status).toBe(302);
    const code = new URL(auth.headers.get('location')!).searchParams.get('code')!;
    const tokenRes = await fetch(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, redirect_uri: redirect }),
    });
    const body = (await tokenRes.json()) as { refresh_token: string; issued_at: string };
    expect(body.issued_at).toMatch(/^\d{13}$/);
    const { conn } = connect({ ...settings, flow: 'refresh_token', refreshToken: body.refresh_token, clientSecret: DEFAULT_APP.clientSecret, privateKey: undefined, username: undefined });
    expect((await conn.check()).ok).toBe(true);

    await fetch(`${emu.url}/services/oauth2/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: body.refresh_token }) });
    const src = new SalesforceTokenSource({ loginUrl: emu.url, flow: 'refresh_token', clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, refreshToken: body.refresh_token }, { state: stateOf() });
    const err = (await src.get().catch((e: unknown) => e)) as SyncError;
    expect(err.kind).toBe('unauthorized');
    expect(err.message).toMatch(/re-authorise/);
  });

  it('refreshes once on 401 INVALID_SESSION_ID and retries the call', async () => {
    const { conn } = connect(settings);
    await conn.get('Account', '001000000000000AAA');
    const authBefore = emu.state.calls.auth;
    emu.state.expireTokens();
    const rows = await conn.api.query('SELECT Id FROM Account LIMIT 1');
    expect(rows).toHaveLength(1);
    expect(emu.state.calls.auth).toBe(authBefore + 1);
  });

  it('check() recovers from an expired cached token (userinfo answers 403 Bad_OAuth_Token)', async () => {
    const { conn } = connect(settings);
    expect((await conn.check()).ok).toBe(true);
    emu.state.expireTokens();
    const again = await conn.check();
    expect(again.ok).toBe(true);
    expect(again.info?.dailyApiRequests).toMatch(/^\d+\/15000$/);
  });

  it('check() names an API version the org does not serve', async () => {
    const { conn } = connect({ ...settings, apiVersion: '99.0' });
    const res = await conn.check();
    expect(res).toEqual({ ok: false, message: 'API version 99.0 is not available on this org: choose an older apiVersion' });
  });

  it('concurrent callers share one refresh', async () => {
    let authCalls = 0;
    const src = new SalesforceTokenSource(
      { loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: DEFAULT_USER.username, privateKey: String(settings.privateKey) },
      { state: stateOf(), onTokenRequest: () => void authCalls++ },
    );
    const tokens = await Promise.all([src.refresh(), src.refresh(), src.refresh(), src.get()]);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(authCalls).toBe(1);
  });

  it('a cached token in the connection state is reused without a token call', async () => {
    const ctx = makeContext(settings);
    const src = new SalesforceTokenSource({ loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: DEFAULT_USER.username, privateKey: String(settings.privateKey) }, ctx);
    const before = emu.state.calls.auth;
    const first = await src.get();
    const again = new SalesforceTokenSource({ loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: DEFAULT_USER.username, privateKey: String(settings.privateKey) }, ctx);
    expect((await again.get()).accessToken).toBe(first.accessToken);
    expect(emu.state.calls.auth - before).toBe(1);
  });

  it('an org over its request limit at the token endpoint is a wait (rate_limited), not a broken configuration', async () => {
    emu.faults.add({ path: '/services/oauth2/token', count: 1, fault: { vendorError: 'REQUEST_LIMIT_EXCEEDED' } });
    const src = new SalesforceTokenSource({ loginUrl: emu.url, flow: 'jwt', clientId: DEFAULT_APP.clientId, username: DEFAULT_USER.username, privateKey: String(settings.privateKey) }, { state: stateOf() });
    const err = await src.refresh().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).kind).toBe('rate_limited');
  });
});
