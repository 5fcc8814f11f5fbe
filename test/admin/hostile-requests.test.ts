/**
 * Hostile requests to the admin API: numbers no parameter can hold answer 400, never 500, on every
 * route with a numeric query parameter; YAML alias and merge-key bombs and deeply nested documents
 * sent to deploy or validate are refused with 400 and the reason, before they cost time or memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutes } from '../../src/server/admin/index.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Every route with a numeric query parameter, and those parameters. */
function numericQueryRoutes(): Array<{ method: string; url: string; params: string[] }> {
  const out = [];
  for (const r of adminRoutes) {
    const props = (r.schema.querystring as { properties?: Record<string, { type?: string }> } | undefined)?.properties ?? {};
    const params = Object.entries(props)
      .filter(([, s]) => s.type === 'integer' || s.type === 'number')
      .map(([k]) => k);
    if (params.length) out.push({ method: r.method as string, url: r.url.replace(/:(\w+)/g, 'x'), params });
  }
  return out;
}

describe('numeric query parameters', () => {
  it('has routes to check', () => {
    expect(numericQueryRoutes().length).toBeGreaterThanOrEqual(3);
  });

  it('answers 400 naming the parameter for values no number parameter can hold', async () => {
    for (const route of numericQueryRoutes()) {
      for (const param of route.params) {
        for (const value of ['1e309', '-1e309', 'Infinity', 'NaN', '1e21', '0x10', '9007199254740993', '1.5', '', ' ']) {
          const res = await h.call(route.method, `/api/v1${route.url}?${param}=${encodeURIComponent(value)}`, h.clients.admin.token);
          expect(res.statusCode, `${route.method} ${route.url}?${param}=${value}: ${res.body}`).toBe(400);
          expect(res.json().error).toBe('invalid_request');
        }
      }
    }
  });
});

/** A billion-laughs document: each level refers to the one before nine times. */
function aliasBomb(levels = 10): string {
  const lines = ['name: bomb', 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

/** Merge keys (YAML 1.1) that each pull in the previous level ten times. */
function mergeBomb(levels = 20): string {
  const lines = ['%YAML 1.1', '---', 'name: merge-bomb', 'm0: &m0 {a: 1, b: 2}'];
  for (let i = 1; i < levels; i++) lines.push(`m${i}: &m${i}\n  <<: [${Array(10).fill(`*m${i - 1}`).join(', ')}]\n  k${i}: 1`);
  return lines.join('\n');
}

describe('hostile flow files', () => {
  const bombs: Array<[string, string]> = [
    ['an alias bomb', aliasBomb()],
    ['a merge-key bomb', mergeBomb()],
    ['200 KB of nested brackets', `name: deep\ntrigger: ${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['200 KB of nested mappings', `name: deep\ntrigger: ${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}`],
    ['a 300 KB document', `name: big\ndescription: "${'x'.repeat(300 * 1024)}"`],
  ];

  it.each(bombs)('refuses %s on validate and deploy with 400 and the reason', async (_what, source) => {
    for (const [url, client] of [['/api/v1/flows/validate', h.clients.viewer], ['/api/v1/flows', h.clients.admin]] as const) {
      const res = await h.call('POST', url, { ...client.token, 'content-type': 'text/yaml' }, source);
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
      expect(res.json().message).toMatch(/aliases expand too far|nests brackets|bytes; at most/);
    }
  });
});
