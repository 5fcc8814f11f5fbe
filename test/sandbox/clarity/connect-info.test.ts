/**
 * What `syncline sandbox clarity` prints is enough to connect: the printed Admin base, users, Basic
 * header, identity route, webhook setting and control prefix are used as printed and must work.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClarityEmulator, type RunningClarityEmulator } from '../../../src/sandbox/clarity/index.js';

let emu: RunningClarityEmulator;
let receiver: Server;
const received: Array<{ event: string | undefined }> = [];
const info = () => new Map(emu.connectInfo!());
const fact = (label: string) => {
  const value = info().get(label);
  if (value === undefined) throw new Error(`connectInfo has no "${label}"`);
  return value;
};

beforeAll(async () => {
  emu = await startClarityEmulator();
  receiver = createServer((req, res) => {
    received.push({ event: req.headers['x-clarity-event'] as string | undefined });
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await emu.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe('connectInfo', () => {
  it('prints a base, users, Basic header and identity route that authenticate', async () => {
    const base = fact('Admin API base');
    expect(base.endsWith(fact('admin base path'))).toBe(true);
    const [user, password] = /^(\S+) \/ (\S+) /.exec(fact('API users'))!.slice(1);
    const basic = await fetch(`${base}/Contacts/Users?Paging={Size:1,StartIndex:1}`, { headers: { authorization: fact('Basic authorization') } });
    expect(basic.status).toBe(200);
    expect(Buffer.from(fact('Basic authorization').slice('Basic '.length), 'base64').toString()).toBe(`${user}:${password}`);
    const [method, identityUrl] = fact('identity route').split(' ');
    const login = await fetch(identityUrl, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Username: user, Password: password, RememberMe: true }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    expect((await fetch(`${base}/Contacts/Users?Paging={Size:1,StartIndex:1}`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${base}/Contacts/Users`)).status).toBe(401);
  });

  it('prints the webhook setting and control prefix, and a webhook set as printed is delivered', async () => {
    expect(fact('webhook target')).toMatch(/^none; set with POST /);
    const configUrl = /POST (\S+)/.exec(fact('webhook target'))![1];
    expect(configUrl.startsWith(fact('control API').split(' ')[0])).toBe(true);
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const set = await fetch(configUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ webhookUrl: target, webhookSecret: 's3cret' }) });
    expect(set.status).toBe(200);
    expect(fact('webhook target')).toBe(`${target} (signed); set with POST ${configUrl} {"webhookUrl", "webhookSecret"}`);
    const user = emu.state.rows('User')[0];
    emu.editUser(Number(user.ID), { FirstName: 'Printed' });
    await emu.flushWebhooks();
    expect(received.map((r) => r.event)).toContain('customer.updated');
  });
});
