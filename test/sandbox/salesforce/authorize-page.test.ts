/** The emulator's login-and-allow page of the web-server OAuth flow: shown on prompt=login, checks the password, honours Deny, and the code it issues needs the PKCE verifier. */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP, DEFAULT_USER, startSalesforceEmulator, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';

let emu: SalesforceEmulator;
beforeAll(async () => {
  emu = await startSalesforceEmulator();
});
afterAll(async () => {
  await emu.close();
});

const redirect = 'http://127.0.0.1:1/callback';
const verifier = randomBytes(32).toString('base64url');
const params = {
  response_type: 'code',
  client_id: DEFAULT_APP.clientId,
  redirect_uri: redirect,
  state: 'st<"x>',
  code_challenge: createHash('sha256').update(verifier).digest('base64url'),
  code_challenge_method: 'S256',
};
const approve = (extra: Record<string, string>) =>
  fetch(`${emu.url}/services/oauth2/authorize`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...params, ...extra }).toString() });

describe('the authorize page', () => {
  it('is shown on prompt=login, with the request carried in escaped hidden fields', async () => {
    const res = await fetch(`${emu.url}/services/oauth2/authorize?${new URLSearchParams({ ...params, prompt: 'login consent' })}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Log In and Allow');
    expect(html).toContain('value="st&lt;&quot;x&gt;"');
  });

  it('refuses a wrong password on the page, and Deny returns access_denied', async () => {
    const wrong = await approve({ username: DEFAULT_USER.username, password: 'nope', decision: 'allow' });
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain('check your username and password');
    const denied = await approve({ decision: 'deny' });
    expect(denied.status).toBe(302);
    const back = new URL(denied.headers.get('location')!);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(params.state);
  });

  it('issues a code on Allow that redeems only with the right verifier', async () => {
    const allowed = await approve({ username: DEFAULT_USER.username, password: DEFAULT_USER.password, decision: 'allow' });
    expect(allowed.status).toBe(302);
    const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
    const redeem = (codeVerifier: string) =>
      fetch(`${emu.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, redirect_uri: redirect, code_verifier: codeVerifier }).toString(),
      });
    const bad = await redeem('not-the-verifier');
    expect(await bad.json()).toMatchObject({ error: 'invalid_grant' });
    const good = await redeem(verifier);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({ refresh_token: expect.any(String), access_token: expect.any(String) });
  });
});
