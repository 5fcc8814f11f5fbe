/**
 * The DSN route (`odbcDsn` setting → `DSN=...;UID=...;PWD=...;Company=...`), as on a Sage 100 host
 * with SOTAMAS90: a user DSN written by scripts/odbc/sandbox-dsn.sh into a private odbc.ini.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sage100Connector } from '../../../src/connectors/sage100/index.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { emulatorSettings, testContext } from './context.js';

let emu: RunningSage100Emulator;
let dir: string;
let previousOdbcIni: string | undefined;

beforeAll(async () => {
  emu = await startSage100Emulator({ seedSize: { customers: 20, items: 10, orders: 5, invoices: 20 } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'sage100-dsn-'));
  const ini = path.join(dir, 'odbc.ini');
  execFileSync('bash', [path.resolve('scripts/odbc/sandbox-dsn.sh'), emu.dbPath, 'SOTAMAS90_TEST', ini]);
  previousOdbcIni = process.env.ODBCINI;
  // unixODBC reads user DSNs from $ODBCINI at connect time.
  process.env.ODBCINI = ini;
});
afterAll(async () => {
  if (previousOdbcIni === undefined) delete process.env.ODBCINI;
  else process.env.ODBCINI = previousOdbcIni;
  await emu?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('reads customers through a named DSN with the user, password and company appended', async () => {
  expect(readFileSync(process.env.ODBCINI!, 'utf8')).toContain('[SOTAMAS90_TEST]');
  const settings = emulatorSettings(emu, { odbcDsn: 'SOTAMAS90_TEST' });
  delete settings.odbcConnectionString;
  const conn = sage100Connector.create(testContext(settings));
  const page = await conn.readChanges('AR_Customer', null, { limit: 100 });
  expect(page.records).toHaveLength(20);
  await conn.close();
});

it('an unknown DSN is a fatal error telling the user to create it', async () => {
  const settings = emulatorSettings(emu, { odbcDsn: 'NO_SUCH_DSN' });
  delete settings.odbcConnectionString;
  const conn = sage100Connector.create(testContext(settings));
  await expect(conn.readChanges('AR_Customer', null, { limit: 1 })).rejects.toMatchObject({ kind: 'fatal', message: expect.stringMatching(/DSN was not found/) });
  await conn.close();
});

it('quotes every value of the DSN connection string: a password with ; or } cannot add attributes', async () => {
  const { parseSettings } = await import('../../../src/connectors/sage100/settings.js');
  const quoted = parseSettings({ ...emulatorSettings(emu, { odbcDsn: 'SOTAMAS90_TEST', password: 'pw};Database=/tmp/other.db;x={' }), odbcConnectionString: undefined });
  // ODBC's rule: braces around each value, a } inside doubled.
  expect(quoted.odbcConnectionString).toBe('DSN=SOTAMAS90_TEST;UID={syncline};PWD={pw}};Database=/tmp/other.db;x={};Company={ABC}');
  expect(() => parseSettings({ ...emulatorSettings(emu, { odbcDsn: 'X;Driver=Evil' }), odbcConnectionString: undefined })).toThrow(/DSN name/);
  // (Not shown through the sandbox's driver: SQLite's ODBC driver finds `Database=` anywhere in the
  // string, braces or not; unixODBC, ProvideX and SQL Server's drivers follow the ODBC quoting rule.)
  const plain = parseSettings({ ...emulatorSettings(emu, { odbcDsn: 'SOTAMAS90_TEST', password: 'a;b=c' }), odbcConnectionString: undefined });
  expect(plain.odbcConnectionString).toContain(';PWD={a;b=c};');
});
