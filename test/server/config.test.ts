/**
 * The configuration schema is the one description of every setting: it fills defaults, maps the
 * environment, refuses bad values naming the setting, and generates docs/configuration-reference.md,
 * which must match it byte for byte. Every SYNCLINE_* variable the code reads must be documented.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSyncline } from '../support/cli.js';
import { loadConfig } from '../../src/server/config.js';
import { configFields, renderConfigReference } from '../../src/server/config-reference.js';
import { ENVIRONMENT_ONLY } from '../../src/server/config-schema.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-config-'));
/** Loads `yaml` (written to a file) with exactly `env` as the environment. */
function load(yaml: string | null, env: Record<string, string> = {}) {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  if (yaml !== null) writeFileSync(file, yaml);
  return loadConfig({ cwd: dir, env: yaml === null ? env : { ...env, SYNCLINE_CONFIG: file } });
}

describe('configuration', () => {
  it('fills every default from the schema when there is no file', () => {
    const c = load(null);
    expect(c).toMatchObject({
      database: 'sqlite:.syncline/syncline.db',
      host: '127.0.0.1',
      port: 8080,
      flowsDir: null,
      deployFlowsOnStart: false,
      workers: 1,
      workerConcurrency: 32,
      leaseMs: 30_000,
      keyFile: '.syncline/master.key',
      logLevel: 'info',
      secureCookies: false,
      connections: {},
      durability: 'power-loss',
    });
    expect(c.retention).toMatchObject({ jobs: '2d', inbox: '30d', runs: '14d', every: '5m', batchSize: 500, maxRunsPerFlow: 1_000_000 });
    expect(c.backpressure).toEqual({ maxBacklogPerFlow: 20_000, maxBacklog: 100_000, retryAfterSeconds: 1, refreshMs: 250 });
  });

  it('reads the file, and environment variables win over it, nested ones too', () => {
    const yaml = 'port: 9000\nworkers: 2\nflowsDir: flows\nsecureCookies: true\nretention: { runs: 7d, flows: { audit: 90d } }\nbackpressure: { maxBacklog: 50 }\n';
    const fromFile = load(yaml);
    expect(fromFile).toMatchObject({ port: 9000, workers: 2, flowsDir: 'flows', deployFlowsOnStart: true, secureCookies: true });
    expect(fromFile.retention).toMatchObject({ runs: '7d', jobs: '2d', flows: { audit: '90d' } });
    const overridden = load(yaml, { SYNCLINE_PORT: '9100', SYNCLINE_SECURE_COOKIES: 'false', SYNCLINE_MAX_BACKLOG: '70', SYNCLINE_MAX_BACKLOG_PER_FLOW: '', SYNCLINE_DURABILITY: 'process-crash' });
    expect(overridden).toMatchObject({ port: 9100, workers: 2, secureCookies: false, durability: 'process-crash' });
    // An empty variable is unset.
    expect(overridden.backpressure).toMatchObject({ maxBacklog: 70, maxBacklogPerFlow: 20_000 });
  });

  it('refuses bad values naming the setting, and the variable when that set it', () => {
    expect(() => load('port: 99999\n')).toThrow(/port: must be <= 65535/);
    expect(() => load(null, { SYNCLINE_PORT: 'eighty' })).toThrow(/SYNCLINE_PORT must be a whole number \(got "eighty"\)/);
    expect(() => load(null, { SYNCLINE_PORT: '70000' })).toThrow(/port \(SYNCLINE_PORT\): must be <= 65535/);
    expect(() => load(null, { SYNCLINE_DURABILITY: 'never' })).toThrow(/durability \(SYNCLINE_DURABILITY\): must be one of "power-loss", "process-crash"/);
    expect(() => load('retention: { runs: forever }\n')).toThrow(/retention\.runs: must be a duration/);
    expect(() => load('retention: { flows: { audit: soon } }\n')).toThrow(/retention\.flows\.audit: must be a duration/);
    expect(() => load('flowsDir: 3\n')).toThrow(/flowsDir: must be string or null/);
    expect(() => load('retenion: { runs: 7d }\n')).toThrow(/retenion: not a setting/);
    expect(() => load('connections: { crm: { settings: {} } }\n')).toThrow(/connections\.crm: must have required property 'type'/);
    expect(() => load('- a\n- b\n')).toThrow(/must be a YAML mapping/);
  });

  it('documents every field with a line', () => {
    const undocumented = configFields()
      .filter((f) => f.doc.trim().length < 10)
      .map((f) => f.path);
    expect(undocumented).toEqual([]);
  });

  it('docs/configuration-reference.md is what the schema generates (regenerate: syncline config reference --out docs/configuration-reference.md)', () => {
    expect(readFileSync('docs/configuration-reference.md', 'utf8')).toBe(renderConfigReference());
  });

  it('`syncline config reference --check` passes on the committed file and fails on a stale one', () => {
    const cli = (...args: string[]) => runSyncline(['config', 'reference', ...args]);
    const ok = cli('--check', 'docs/configuration-reference.md');
    expect(ok.code, ok.err).toBe(0);
    const stale = path.join(dir, 'stale.md');
    writeFileSync(stale, renderConfigReference().replace('| `port` |', '| `portt` |'));
    const bad = cli('--check', stale);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/differs from the configuration schema; regenerate it with: syncline config reference --out/);
  }, 150_000);

  it('`syncline config check` prints the settings in effect, without passwords or connection settings, and names a bad one', () => {
    const check = (env: Record<string, string>) => runSyncline(['config', 'check'], { SYNCLINE_CONFIG: '', ...env });
    const file = path.join(dir, 'check.yaml');
    writeFileSync(file, 'connections: { crm: { type: http, settings: { token: hunter2 } } }\n');
    const ok = check({ SYNCLINE_CONFIG: file, SYNCLINE_DATABASE_URL: 'postgres://syncline:s3cret@db:5432/syncline', SYNCLINE_WORKERS: '3' });
    expect(ok.code, ok.err).toBe(0);
    const shown = JSON.parse(ok.out) as Record<string, unknown>;
    expect(shown).toMatchObject({ database: 'postgres://syncline:***@db:5432/syncline', workers: 3, connections: { crm: { type: 'http' } } });
    expect(ok.out).not.toMatch(/s3cret|hunter2/);
    const bad = check({ SYNCLINE_CONFIG: file, SYNCLINE_WORKERS: 'many' });
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/SYNCLINE_WORKERS must be a whole number/);
  }, 150_000);

  it('every SYNCLINE_* variable the code reads is in the reference', () => {
    const documented = new Set([...configFields().flatMap((f) => (f.env ? [f.env] : [])), ...ENVIRONMENT_ONLY.map((v) => v.name)]);
    const read = new Set<string>();
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = path.join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/env\??\.(SYNCLINE_[A-Z_]+)/g)) read.add(m[1]);
      }
    };
    // The emulators are not Syncline's configuration; SYNCLINE_TEST_* are test hooks.
    for (const d of readdirSync('src').filter((d) => d !== 'sandbox')) if (statSync(path.join('src', d)).isDirectory()) walk(path.join('src', d));
    const missing = [...read].filter((v) => !documented.has(v) && !v.startsWith('SYNCLINE_TEST_'));
    expect(read.size).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it('docs/configuration.md covers every top-level setting and links the reference', () => {
    const guide = readFileSync('docs/configuration.md', 'utf8');
    expect(guide).toContain('(configuration-reference.md)');
    const topLevel = configFields().filter((f) => !f.path.includes('.'));
    expect(topLevel.filter((f) => !guide.includes(`\`${f.path}\``)).map((f) => f.path)).toEqual([]);
  });
});
