/** The `syncline` command as a user runs it: exit codes and what it prints. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSyncline } from '../support/cli.js';
import { flowYaml } from '../support/flows.js';
import { openStore } from '../../src/store/index.js';
import { readFileSync, statSync } from 'node:fs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-cli-'));
const env = { SYNCLINE_DATABASE_URL: `sqlite:${path.join(dir, 'cli.db')}`, SYNCLINE_MASTER_KEY: 'd'.repeat(64) };

/** Runs the command as installed, on this file's database. */
const syncline = (...args: string[]) => runSyncline(args, env, 60_000);

describe('syncline CLI', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the flow schema', () => {
    const r = syncline('flow', 'schema');
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.out);
    expect(schema).toMatchObject({ title: 'Syncline flow', required: ['name', 'trigger'] });
    // A one-way flow names source and targets; a two-way pair names sync instead (decision 0009).
    expect(schema.oneOf.map((o: { required: string[] }) => o.required)).toEqual([['source', 'targets'], ['sync']]);
  });

  it('validates flow files with file:line:column and a failing exit code', () => {
    const good = path.join(dir, 'good.yaml');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(good, flowYaml());
    writeFileSync(bad, flowYaml().replace('  entity: customer', '  entity: customer\n  colour: red'));
    expect(syncline('flow', 'validate', good)).toMatchObject({ code: 0 });
    const r = syncline('flow', 'validate', good, bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${bad}:8:3  source/colour: unknown setting "colour"`);
  });

  it('runs the journey templates\' sample tests', () => {
    const r = syncline('flow', 'test', 'flows/lead-grade.yaml');
    expect(r.code, r.out + r.err).toBe(0);
  });

  it('migrates, deploys, lists and shows an empty dead-letter queue', () => {
    expect(syncline('migrate').out).toContain('database is up to date (sqlite)');
    const file = path.join(dir, 'flow.yaml');
    writeFileSync(file, flowYaml());
    expect(syncline('flow', 'deploy', file).out).toContain('contacts-to-sink version 1 deployed');
    expect(syncline('flow', 'deploy', file).out).toContain('contacts-to-sink version 1 unchanged');
    expect(syncline('flow', 'list').out).toMatch(/contacts-to-sink\s+active\s+1/);
    expect(syncline('dlq', 'list').out).toContain('(none)');
  });

  it('creates a user with a one-time password', () => {
    const r = syncline('user', 'create', 'maria', '--role', 'operator');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/created maria \(operator\) with the one-time password: \S{12,}/);
    expect(syncline('user', 'list').out).toMatch(/maria\s+operator/);
  });

  it('rotates the master key: secrets readable with the new key file only', async () => {
    const url = env.SYNCLINE_DATABASE_URL!;
    const before = await openStore({ url, masterKey: env.SYNCLINE_MASTER_KEY });
    await before.putConnection({ name: 'sage', type: 'sage100', settings: {}, secrets: { password: 'hunter2' } });
    await before.close();
    const keyFile = path.join(dir, 'new.key');
    const r = syncline('keys', 'rotate', '--new-key-file', keyFile);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('re-encrypted 1 secrets of 1 connections');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const after = await openStore({ url, masterKey: readFileSync(keyFile, 'utf8').trim() });
    try {
      expect((await after.getConnection('sage'))?.secrets).toEqual({ password: 'hunter2' });
    } finally {
      await after.close();
    }
  });
});
