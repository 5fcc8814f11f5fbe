/**
 * Every route in the admin route table refuses an unauthenticated call (401) and a call from a role
 * below the one it declares (403), by session and by token, and lets its own role through. The
 * cases are generated from the table, so a new route is covered the day it is added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes, type AnyRoute } from '../../src/server/admin/index.js';
import { ROLES, roleAtLeast } from '../../src/server/auth/roles.js';
import type { Role } from '../../src/store/types.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const urlOf = (r: AnyRoute) => '/api/v1' + r.url.replace(/:([A-Za-z]+)/g, (_, p: string) => (p === 'version' ? '1' : 'nope'));
const label = (r: AnyRoute) => `${r.method} ${r.url}`;
const guarded = adminRoutes.filter((r) => r.access !== 'public');

describe('the route table', () => {
  it('declares a known access level on every route and only sign-in and the OpenAPI document are public', () => {
    for (const r of adminRoutes) expect(['public', ...ROLES]).toContain(r.access);
    expect(adminRoutes.filter((r) => r.access === 'public').map(label).sort()).toEqual(['GET /openapi.json', 'POST /auth/login']);
  });

  it('gives the roles the issue names their powers', () => {
    const access = (m: string, u: string) => adminRoutes.find((r) => r.method === m && r.url === u)?.access;
    expect(access('POST', '/dead-letters/:id/replay')).toBe('operator');
    expect(access('POST', '/dead-letters/replay')).toBe('operator');
    expect(access('PUT', '/dead-letters/:id/payload')).toBe('operator');
    expect(access('POST', '/flows/:name/pause')).toBe('operator');
    expect(access('POST', '/flows/:name/resume')).toBe('operator');
    expect(access('POST', '/flows/:name/run')).toBe('operator');
    expect(access('POST', '/flows')).toBe('admin');
    expect(access('POST', '/connections')).toBe('admin');
    expect(access('GET', '/users')).toBe('admin');
    expect(access('GET', '/audit')).toBe('admin');
    // Every unsafe route needs more than viewer, except a user's own session, password and tokens.
    const viewerWrites = adminRoutes.filter((r) => r.method !== 'GET' && r.access === 'viewer').map(label).sort();
    expect(viewerWrites).toEqual(['DELETE /tokens/:id', 'POST /auth/logout', 'POST /auth/password', 'POST /flows/:name/preview', 'POST /flows/plan', 'POST /flows/preview', 'POST /flows/validate', 'POST /mapping/suggest', 'POST /tokens']);
  });
});

describe.each(guarded.map((r) => [label(r), r] as const))('%s', (_name, route) => {
  it('refuses a call without credentials with 401', async () => {
    const res = await h.call(route.method, urlOf(route), {}, route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('unauthenticated');
  });

  it('refuses an unknown or revoked-looking bearer token with 401', async () => {
    const res = await h.call(route.method, urlOf(route), { authorization: 'Bearer slk_notarealtoken' });
    expect(res.statusCode).toBe(401);
  });

  const below = ROLES.filter((r) => !roleAtLeast(r, route.access as Role));
  for (const role of below) {
    it(`refuses ${role} (needs ${route.access}) with 403, by session and by token`, async () => {
      const c = h.clients[role];
      for (const headers of [c.session, c.token]) {
        const res = await h.call(route.method, urlOf(route), headers, route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
        expect(res.statusCode, `${role} via ${headers.cookie ? 'session' : 'token'}`).toBe(403);
        expect(res.json().error).toBe('forbidden');
      }
    });
  }

  it(`lets ${route.access} through the access check`, async () => {
    const res = await h.call(route.method, urlOf(route), h.clients[route.access as Role].token, route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
    expect([401, 403]).not.toContain(res.statusCode);
  });
});
