/** Sign-in, sessions, CSRF, API tokens, the sign-in throttle, the first admin and password changes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/server/auth/password.js';
import { hashSecret } from '../../src/server/auth/tokens.js';
import { LoginThrottle } from '../../src/server/auth/throttle.js';
import { createUser, ensureFirstAdmin } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import { PASSWORDS, sessionCookieFrom, signIn, startHarness, type Harness } from './harness.js';

describe('password hashing', () => {
  it('stores scrypt with its parameters and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });

  it('salts: the same password hashes differently twice, and old parameters still verify', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
    const cheap = await hashPassword('low cost pw', { N: 1024, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('low cost pw', cheap)).toBe(true);
  });
});

describe('LoginThrottle', () => {
  it('counts attempts per account before the check, locks for a window that doubles and caps, and forgets on success', async () => {
    const store = await openStore({ url: 'sqlite::memory:', masterKey: 'b'.repeat(64) });
    try {
      let now = 1_000_000;
      const t = new LoginThrottle(store, { freeAttempts: 2, baseDelayMs: 1000, maxDelayMs: 5000, now: () => now });
      expect(await t.take('Bob', '1.2.3.4')).toBe(0);
      expect(await t.take('bob', '1.2.3.4')).toBe(0);
      // The third attempt is still checked, and starts the first window.
      expect(await t.take('bob', '1.2.3.5')).toBe(0);
      expect(await t.take('bob', '1.2.3.6')).toBe(1000);
      now += 1000;
      expect(await t.take('bob', '1.2.3.4')).toBe(0);
      expect(await t.take('bob', '1.2.3.4')).toBe(2000);
      now += 2000;
      expect(await t.take('bob', '1.2.3.4')).toBe(0);
      now += 4000;
      expect(await t.take('bob', '1.2.3.4')).toBe(0);
      expect(await t.take('bob', '1.2.3.4')).toBe(5000);
      expect(await t.take('alice', '1.2.3.9')).toBe(0);
      now += 5000;
      await t.succeed('bob', '1.2.3.4');
      expect(await t.take('bob', '1.2.3.4')).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('locks a client address that sprays many accounts', async () => {
    const store = await openStore({ url: 'sqlite::memory:', masterKey: 'b'.repeat(64) });
    try {
      const t = new LoginThrottle(store, { freeAttemptsPerAddress: 5, baseDelayMs: 60_000, now: () => 5_000_000 });
      const waits = [];
      for (let i = 0; i < 8; i++) waits.push(await t.take(`user${i}`, '6.6.6.6'));
      expect(waits).toEqual([0, 0, 0, 0, 0, 0, 60_000, 60_000]);
      expect(await t.take('user0', '7.7.7.7')).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe('the auth routes', () => {
  let h: Harness;
  let now = Date.now();
  beforeAll(async () => {
    h = await startHarness({ deps: { secureCookies: true, auth: { now: () => now, throttle: { freeAttempts: 3, baseDelayMs: 60_000 } } } });
  });
  afterAll(async () => h.close());

  it('signs in with a HttpOnly, SameSite=Strict, Secure cookie and returns a CSRF token; /auth/me knows the user', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', {}, { username: 'operator', password: PASSWORDS.operator });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^syncline_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Secure');
    const body = res.json();
    expect(body.user).toMatchObject({ username: 'operator', role: 'operator' });
    expect(body.user.passwordHash).toBeUndefined();
    const me = await h.call('GET', '/api/v1/auth/me', { cookie: sessionCookieFrom(res) });
    expect(me.json()).toMatchObject({ via: 'session', csrfToken: body.csrfToken, user: { username: 'operator' } });
  });

  it('stores only the sha256 of the session cookie', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', {}, { username: 'viewer', password: PASSWORDS.viewer });
    const value = sessionCookieFrom(res).split('=')[1];
    expect(await h.store.getSession(value)).toBeNull();
    expect(await h.store.getSession(hashSecret(value))).not.toBeNull();
  });

  it('refuses a wrong password with 401 and audits it', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', { 'x-forwarded-for': '9.9.9.9' }, { username: 'viewer', password: 'wrong-password' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_credentials');
    const audit = await h.store.listAudit({ limit: 5 });
    expect(audit.some((a) => a.action === 'auth.login_failed' && a.target === 'user:viewer')).toBe(true);
  });

  it('requires the CSRF header on unsafe cookie calls, and not on token calls', async () => {
    const { cookie, 'x-csrf-token': csrf } = h.clients.operator.session;
    const without = await h.call('POST', '/api/v1/flows/nope/pause', { cookie });
    expect(without.statusCode).toBe(403);
    expect(without.json().error).toBe('csrf');
    const wrong = await h.call('POST', '/api/v1/flows/nope/pause', { cookie, 'x-csrf-token': csrf.slice(0, -2) + 'xx' });
    expect(wrong.json().error).toBe('csrf');
    const right = await h.call('POST', '/api/v1/flows/nope/pause', { cookie, 'x-csrf-token': csrf });
    expect(right.statusCode).toBe(404);
    const token = await h.call('POST', '/api/v1/flows/nope/pause', h.clients.operator.token);
    expect(token.statusCode).toBe(404);
    // Reads need no CSRF token.
    expect((await h.call('GET', '/api/v1/flows', { cookie })).statusCode).toBe(200);
  });

  it('keeps API tokens hashed at rest and shows them once', async () => {
    const list = await h.call('GET', '/api/v1/tokens', h.clients.viewer.token);
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(h.clients.viewer.tokenValue);
    const rows = await h.store.listApiTokens();
    expect(rows.some((r) => r.tokenHash === hashSecret(h.clients.viewer.tokenValue))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(h.clients.viewer.tokenValue);
  });

  it('revokes a token: it stops working at once', async () => {
    const made = await h.call('POST', '/api/v1/tokens', h.clients.viewer.session, { name: 'short-lived' });
    const headers = { authorization: `Bearer ${made.json().token}` };
    expect((await h.call('GET', '/api/v1/auth/me', headers)).json().via).toBe('token');
    // Another viewer's token is not theirs to revoke; the admin may.
    expect((await h.call('DELETE', `/api/v1/tokens/${made.json().id}`, h.clients.operator.token)).statusCode).toBe(404);
    expect((await h.call('DELETE', `/api/v1/tokens/${made.json().id}`, h.clients.admin.token)).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/auth/me', headers)).statusCode).toBe(401);
  });

  it('slows down repeated failed sign-ins per username and address, even for the right password', async () => {
    const ip = { 'x-real-ip': 'unused' };
    for (let i = 0; i < 3; i++) expect((await h.call('POST', '/api/v1/auth/login', ip, { username: 'admin', password: `guess-${i}` })).statusCode).toBe(401);
    // The fourth failure starts a lockout window.
    expect((await h.call('POST', '/api/v1/auth/login', ip, { username: 'admin', password: 'guess-4' })).statusCode).toBe(401);
    const locked = await h.call('POST', '/api/v1/auth/login', ip, { username: 'admin', password: PASSWORDS.admin });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json().error).toBe('too_many_attempts');
    now += 61_000;
    expect((await h.call('POST', '/api/v1/auth/login', ip, { username: 'admin', password: PASSWORDS.admin })).statusCode).toBe(200);
  });

  it('slides the session expiry on use and ends an idle session after 8 hours', async () => {
    const session = await signIn(h.app, 'viewer', PASSWORDS.viewer);
    now += 7 * 3600_000;
    expect((await h.call('GET', '/api/v1/auth/me', session)).statusCode).toBe(200);
    now += 7 * 3600_000;
    expect((await h.call('GET', '/api/v1/auth/me', session)).statusCode).toBe(200);
    now += 8 * 3600_000 + 1000;
    expect((await h.call('GET', '/api/v1/auth/me', session)).statusCode).toBe(401);
  });

  it('signs out: the cookie stops working', async () => {
    const session = await signIn(h.app, 'viewer', PASSWORDS.viewer);
    const out = await h.call('POST', '/api/v1/auth/logout', session);
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await h.call('GET', '/api/v1/auth/me', session)).statusCode).toBe(401);
  });

  it('refuses a disabled user at once, by session and by token', async () => {
    await createUser(h.store, { username: 'temp', role: 'operator', password: 'temp-password-1' });
    const session = await signIn(h.app, 'temp', 'temp-password-1');
    const tok = (await h.call('POST', '/api/v1/tokens', session, { name: 't' })).json().token as string;
    const id = (await h.store.getUser('temp'))!.id;
    const res = await h.call('PUT', `/api/v1/users/${id}`, h.clients.admin.token, { disabled: true });
    expect(res.json().user.disabled).toBe(true);
    expect((await h.call('GET', '/api/v1/auth/me', session)).statusCode).toBe(401);
    expect((await h.call('GET', '/api/v1/auth/me', { authorization: `Bearer ${tok}` })).statusCode).toBe(401);
    expect((await h.call('POST', '/api/v1/auth/login', {}, { username: 'temp', password: 'temp-password-1' })).statusCode).toBe(401);
  });

  it('does not let an admin demote or disable themselves', async () => {
    const id = (await h.store.getUser('admin'))!.id;
    expect((await h.call('PUT', `/api/v1/users/${id}`, h.clients.admin.token, { role: 'viewer' })).statusCode).toBe(409);
    expect((await h.call('PUT', `/api/v1/users/${id}`, h.clients.admin.token, { disabled: true })).statusCode).toBe(409);
  });
});

describe('first admin and one-time passwords', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('creates admin with a printed one-time password only when there are no users', async () => {
    const lines: string[] = [];
    await ensureFirstAdmin(h.store, (l) => lines.push(l));
    expect(lines).toEqual([]); // the harness already made users
  });

  it('forces a password change before anything else, then works normally', async () => {
    const created = await h.call('POST', '/api/v1/users', h.clients.admin.session, { username: 'newbie', role: 'operator' });
    expect(created.statusCode).toBe(201);
    const otp = created.json().oneTimePassword as string;
    expect(otp.length).toBeGreaterThanOrEqual(16);
    const session = await signIn(h.app, 'newbie', otp);
    const me = await h.call('GET', '/api/v1/auth/me', session);
    expect(me.json().user.mustChangePassword).toBe(true);
    const blocked = await h.call('GET', '/api/v1/flows', session);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe('password_change_required');
    expect((await h.call('POST', '/api/v1/auth/password', session, { currentPassword: 'wrong', newPassword: 'a-new-password-1' })).statusCode).toBe(400);
    expect((await h.call('POST', '/api/v1/auth/password', session, { currentPassword: otp, newPassword: 'short' })).json().error).toBe('weak_password');
    const changed = await h.call('POST', '/api/v1/auth/password', session, { currentPassword: otp, newPassword: 'a-new-password-1' });
    expect(changed.statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/flows', session)).statusCode).toBe(200);
    expect((await h.call('POST', '/api/v1/auth/login', {}, { username: 'newbie', password: 'a-new-password-1' })).statusCode).toBe(200);
  });
});

describe('ensureFirstAdmin on an empty store', () => {
  it('creates admin, prints the password once, and does nothing the second time', async () => {
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ url: 'sqlite::memory:', masterKey: 'a'.repeat(64) });
    try {
      const lines: string[] = [];
      await ensureFirstAdmin(store, (l) => lines.push(l));
      const pw = /one-time password: (\S+)/.exec(lines.join('\n'))?.[1];
      expect(pw).toBeDefined();
      const admin = (await store.getUser('admin'))!;
      expect(admin).toMatchObject({ role: 'admin', mustChangePassword: true });
      expect(await verifyPassword(pw!, admin.passwordHash)).toBe(true);
      await ensureFirstAdmin(store, (l) => lines.push(l));
      expect(await store.countUsers()).toBe(1);
      expect(lines.length).toBe(2);
      await expect(createUser(store, { username: 'admin', role: 'viewer', password: 'long-enough-pw' })).rejects.toThrow(/already exists/);
      await expect(createUser(store, { username: 'x y', role: 'viewer', password: 'long-enough-pw' })).rejects.toThrow(/username/);
      await expect(createUser(store, { username: 'ok', role: 'viewer', password: 'short' })).rejects.toThrow(/password/);
    } finally {
      await store.close();
    }
  });
});
