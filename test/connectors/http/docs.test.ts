import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { httpConnector, parseSettings } from '../../../src/connectors/http/index.js';

const guide = readFileSync(fileURLToPath(new URL('../../../docs/connectors/http.md', import.meta.url)), 'utf8');

/** Stands in for the engine's `env:NAME` resolution. */
function fakeEnv(v: unknown): unknown {
  if (typeof v === 'string') return v.startsWith('env:') ? `value-of-${v.slice(4)}` : v;
  if (Array.isArray(v)) return v.map(fakeEnv);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fakeEnv(x)]));
  return v;
}

describe('the user guide', () => {
  it('shows a connection example the settings schema accepts', () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(guide)?.[1];
    expect(block).toBeDefined();
    const config = parse(block!) as { connections: Record<string, { type: string; settings: Record<string, unknown> }> };
    const [conn] = Object.values(config.connections);
    expect(conn.type).toBe(httpConnector.type);
    const settings = parseSettings(fakeEnv(conn.settings) as Record<string, unknown>);
    expect(settings.entities[0].paths.upsert).toBe('/customers/by-email/{key}');
    expect(settings.webhook?.secret).toBe('value-of-WEBSHOP_WEBHOOK_SECRET');
  });

  it('marks every secret setting it names as x-secret in the schema', () => {
    const schema = JSON.stringify(httpConnector.settingsSchema);
    expect(schema.match(/"x-secret":true/g)).toHaveLength(4); // token, header value, password, webhook secret
  });
});
