/** `syncline flow validate` checks names against the store's connections, and `flow rollback` runs an earlier version again. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncline } from '../support/cli.js';
import { httpConnector } from '../../src/connectors/http/index.js';
import { saveConnection } from '../../src/engine/connection-settings.js';
import { openStore } from '../../src/store/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'syncline-cli-flows-'));
const KEY = 'f'.repeat(64);
const db = `sqlite:${path.join(dir, 'cli.db')}`;

const syncline = (...args: string[]) => runSyncline(args, { SYNCLINE_DATABASE_URL: db, SYNCLINE_MASTER_KEY: KEY });

const flow = (field: string) => `name: leads
trigger: { type: manual }
source: { connection: crm, entity: leads }
targets:
  - name: customer
    connection: crm
    entity: leads
    mapping:
      ${field}: email
    match: { keys: [${field}] }
`;

describe('syncline flow validate and rollback', () => {
  beforeAll(async () => {
    const store = await openStore({ url: db, masterKey: KEY });
    const settings = { baseUrl: 'http://127.0.0.1:9', entities: [{ name: 'leads', idField: 'id', fields: [{ name: 'id', type: 'id' }, { name: 'email', type: 'email' }, { name: 'company', type: 'string' }], paths: { create: '/leads', find: '/leads?{field}={value}' } }] };
    await saveConnection(store, new Map([['http', httpConnector]]), { name: 'crm', type: 'http', settings }, 'test');
    await store.deployFlow({ flow: 'leads', source: flow('email'), definition: { name: 'leads' }, hash: 'one', deployedBy: 'test' });
    await store.deployFlow({ flow: 'leads', source: flow('company'), definition: { name: 'leads' }, hash: 'two', deployedBy: 'test' });
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the line and the closest field of a typo, and passes a correct file', () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, flow('emial'));
    const r = syncline('flow', 'validate', bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${bad}:9:7  targets/0/mapping/emial: target field "emial" is not a field of crm/leads. Did you mean "email"?`);
    expect(r.out).toContain(`${bad}:10:21  targets/0/match/keys/0: match key "emial" is not a field of crm/leads. Did you mean "email"?`);
    const good = path.join(dir, 'good.yaml');
    writeFileSync(good, flow('email'));
    expect(syncline('flow', 'validate', '--offline', good)).toMatchObject({ code: 0, out: `${good}: ok (leads)\n` });
  }, 240_000);

  it('rolls back to version 1 as version 3', () => {
    const r = syncline('flow', 'rollback', 'leads', '1');
    expect(r.err).toBe('');
    expect(r.out).toContain('leads: version 3 deployed, equal to version 1 (was 2)');
  }, 120_000);
});
