/**
 * Sign-in under attack: attempts sent in parallel are counted before the password is checked (in one
 * process, and across processes sharing PostgreSQL), and a password change or reset ends the user's
 * other sessions and tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../../src/server/auth/authenticator.js';
import { createUser } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, requirePostgres } from '../support/postgres.js';
import { PASSWORDS, signIn, startHarness, type Harness } from './harness.js';

describe('parallel sign-in attempts', () => {
  let h: Harness;
  beforeAll(async () => {
    // A lockout window longer than the test, so a slow machine cannot outlast it.
    h = await startHarness({ deps: { auth: { throttle: { baseDelayMs: 60_000 } } } });
  });
  afterAll(async () => h?.close());

  it('checks at most the free attempts of 40 sent at once and refuses the rest before the password check', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => h.call('POST', '/api/v1/auth/login', {}, { username: 'operator', password: `guess-${i}` })),
    );
    const checked = results.filter((r) => r.statusCode === 401).length;
    const refused = results.filter((r) => r.statusCode === 429).length;
    // Three free attempts, and the fourth that starts the first lockout window.
    expect(checked).toBeLessThanOrEqual(4);
    expect(checked + refused).toBe(40);
    // Even the right password waits for the window.
    expect((await h.call('POST', '/api/v1/auth/login', {}, { username: 'operator', password: PASSWORDS.operator })).statusCode).toBe(429);
  });

  it('shares the count between processes on one PostgreSQL database', async () => {
    if (!(await requirePostgres('sign-in counters across processes'))) return;
    const db = await createTestDatabase('syncline_auth');
    const stores: Store[] = [];
    try {
      for (let i = 0; i < 2; i++) stores.push(await openStore({ url: db.url, masterKey: 'c'.repeat(64), poolSize: 20 }));
      await createUser(stores[0], { username: 'target', role: 'viewer', password: 'the-right-password-1' });
      const auths = stores.map((s) => new Authenticator(s, { throttle: { baseDelayMs: 60_000 } }));
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => auths[i % 2].login('target', `guess-${i}`, `10.0.0.${i % 7}`)));
      const checked = results.filter((r) => !r.ok && r.reason === 'invalid').length;
      expect(checked).toBeLessThanOrEqual(4);
      expect(results.filter((r) => !r.ok && r.reason === 'locked').length).toBe(40 - checked);
    } finally {
      for (const s of stores) await s.close();
      await db.drop();
    }
  });
});

describe('a password change or reset', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  const works = async (headers: Record<string, string>) => (await h.call('GET', '/api/v1/auth/me', headers)).statusCode === 200;

  it('ends the user\'s other sessions and tokens, keeping the session that made the change', async () => {
    const other = await signIn(h.app, 'viewer', PASSWORDS.viewer);
    const { session, token } = h.clients.viewer;
    expect(await works(other)).toBe(true);
    expect(await works(token)).toBe(true);
    const res = await h.call('POST', '/api/v1/auth/password', session, { currentPassword: PASSWORDS.viewer, newPassword: 'a-brand-new-password-1' });
    expect(res.statusCode, res.body).toBe(200);
    expect(await works(session)).toBe(true);
    expect(await works(other)).toBe(false);
    expect(await works(token)).toBe(false);
  });

  it('ends every session and token of a user whose password an admin reset, and not the admin\'s', async () => {
    const { session, token } = h.clients.operator;
    expect(await works(session)).toBe(true);
    const user = (await h.store.getUser('operator'))!;
    const res = await h.call('PUT', `/api/v1/users/${user.id}`, h.clients.admin.session, { resetPassword: true });
    expect(res.statusCode, res.body).toBe(200);
    expect(await works(session)).toBe(false);
    expect(await works(token)).toBe(false);
    expect(await works(h.clients.admin.session)).toBe(true);
    expect(await works(h.clients.admin.token)).toBe(true);
  });
});
