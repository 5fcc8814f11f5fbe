/**
 * `syncline sandbox` prints what a client needs to connect to each emulator, and what it prints
 * works: the Salesforce credentials get a token, the Pardot business unit id is accepted, the Sage 100
 * ODBC connection string of the DSN shape, used with the printed odbc.ini, opens the company.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';

let child: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  child?.kill('SIGTERM');
});

function startSandbox(): Promise<string> {
  child = spawn(process.execPath, ['bin/syncline.js', 'sandbox', 'salesforce', 'pardot', 'sage100'], { cwd: process.cwd(), env: { ...process.env, ODBCINI: '' } });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not print its connection details:\n${out}`)), 45_000);
    child!.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/sage100[\s\S]*control API/.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child!.on('exit', (code) => reject(new Error(`sandbox exited with ${String(code)}:\n${out}`)));
  });
}

function value(out: string, label: string): string {
  const m = new RegExp(`^\\s+${label.replace(/[()]/g, '\\$&')}:\\s+(.+)$`, 'm').exec(out);
  if (!m) throw new Error(`no "${label}" line in:\n${out}`);
  return m[1].trim();
}

describe('syncline sandbox', () => {
  it('prints URLs, seeded credentials, the business unit id and the ODBC connection string', async () => {
    const out = await startSandbox();
    const login = value(out, 'login URL (OAuth)');
    const app = /client_id (\S+), client_secret (\S+)/.exec(value(out, 'connected app'))!;
    const [username, password] = value(out, 'user').split(' / ');
    const token = await fetch(`${login}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: app[1], client_secret: app[2], username, password }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };

    const api = value(out, 'API base (v5)');
    const bu = value(out, 'Pardot-Business-Unit-Id');
    const pardotToken = (await (await fetch(value(out, 'token URL'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=a&client_secret=b' })).json()) as { access_token: string };
    const prospects = await fetch(`${api}/objects/prospects?fields=id&limit=1`, { headers: { authorization: `Bearer ${pardotToken.access_token}`, 'pardot-business-unit-id': bu } });
    expect(prospects.status).toBe(200);
    expect(access_token).toBeTruthy();

    expect(value(out, 'ODBC connection string (DSN)')).toMatch(/^DSN=SOTAMAS90_\w+;UID=syncline;PWD=sage100;Company=ABC$/);
    expect(value(out, 'ODBC DSN')).toMatch(/export ODBCINI=/);
    expect(value(out, 'WSDL')).toMatch(/MasBasicService\.svc\?wsdl$/);
    // The printed DSN string opens the company from another process, with the printed odbc.ini.
    const ini = /export ODBCINI=(\S+?)\)?$/.exec(value(out, 'ODBC DSN'))![1];
    const previous = process.env.ODBCINI;
    process.env.ODBCINI = ini;
    try {
      const name = 'odbc';
      const odbc = (await import(name)) as { default: { connect(cs: string): Promise<{ query(sql: string): Promise<unknown[]>; close(): Promise<void> }> } };
      const conn = await odbc.default.connect(value(out, 'ODBC connection string (DSN)'));
      expect((await conn.query('SELECT CustomerNo FROM AR_Customer')).length).toBeGreaterThan(0);
      await conn.close();
    } finally {
      if (previous === undefined) delete process.env.ODBCINI;
      else process.env.ODBCINI = previous;
    }
  }, 60_000);
});
