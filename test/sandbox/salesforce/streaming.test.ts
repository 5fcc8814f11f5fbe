/**
 * The emulator's Streaming API, checked by an independent client: jsforce's own streaming client
 * (faye's CometD long polling, with jsforce's Replay extension), unmodified, subscribes to Change
 * Data Capture and platform-event channels and receives what the org's changes publish; replay -2
 * returns retained events, an id outside the retention window is refused with Salesforce's message,
 * and a raw Bayeux exchange checks the protocol replies themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import { startSalesforceEmulator, DEFAULT_APP, DEFAULT_USER, type SalesforceEmulator } from '../../../src/sandbox/salesforce/index.js';

let emu: SalesforceEmulator;
const VERSION = '62.0';

beforeAll(async () => {
  emu = await startSalesforceEmulator({ seed: false, streamingConnectTimeoutMs: 2000 });
});
afterAll(async () => emu.close());

async function loggedIn(): Promise<Connection> {
  const conn = new Connection({ oauth2: { clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret, loginUrl: emu.url, redirectUri: 'http://localhost:9999/cb' }, version: VERSION });
  await conn.login(DEFAULT_USER.username, DEFAULT_USER.password);
  return conn;
}

/** faye's Client has disconnect(); its type declarations leave it out. */
function disconnect(client: unknown): void {
  (client as { disconnect(): void }).disconnect();
}

type Message = { payload: Record<string, unknown> & { ChangeEventHeader?: Record<string, unknown> }; event: { replayId: number; EventUuid?: string } };

/** Waits until `list` holds `n` items (condition, not a fixed sleep). */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function raw(messages: unknown[], token?: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${emu.url}/cometd/${VERSION}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `OAuth ${token}` } : {}) }, body: JSON.stringify(messages) });
  expect(res.status).toBe(200);
  return (await res.json()) as Array<Record<string, unknown>>;
}

describe('Streaming API against jsforce', () => {
  it('delivers CREATE, UPDATE (changed fields only, compound Name), DELETE and UNDELETE change events to jsforce', async () => {
    const conn = await loggedIn();
    const got: Message[] = [];
    const client = conn.streaming.createClient([new StreamingExtension.Replay('/data/ContactChangeEvent', -1)]);
    const sub = client.subscribe('/data/ContactChangeEvent', (m: Message) => void got.push(m));
    await sub; // faye resolves once /meta/subscribe succeeded
    const created = await conn.sobject('Contact').create({ FirstName: 'Ada', LastName: 'Byron', Email: 'ada@example.com' });
    await conn.sobject('Contact').update({ Id: created.id!, LastName: 'Lovelace' });
    await conn.sobject('Contact').destroy(created.id!);
    await fetch(`${emu.url}/__sandbox/undelete/Contact/${created.id!}`, { method: 'POST' });
    await until(() => got.length >= 4, 'four change events');
    const headers = got.map((m) => m.payload.ChangeEventHeader!);
    expect(headers.map((h) => h.changeType)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);
    expect(headers.every((h) => (h.recordIds as string[])[0] === created.id)).toBe(true);
    expect(headers[0].entityName).toBe('Contact');
    expect(got[0].payload.Name).toMatchObject({ FirstName: 'Ada', LastName: 'Byron' });
    expect(headers[1].changedFields).toEqual(expect.arrayContaining(['Name.LastName', 'LastModifiedDate']));
    expect(headers[1].changedFields).not.toContain('Email');
    expect(got[1].payload).toMatchObject({ Name: { LastName: 'Lovelace' } });
    expect(got[1].payload.Email).toBeUndefined();
    expect(String(headers[1].changeOrigin)).toMatch(/^com\/salesforce\/api\/rest\/62\.0/);
    const ids = got.map((m) => m.event.replayId);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    await sub.cancel();
    disconnect(client);
  }, 30_000);

  it('replays retained events with -2 and from a replay id, and refuses an id outside the retention window', async () => {
    const conn = await loggedIn();
    const a = await conn.sobject('Account').create({ Name: 'Replay One' });
    await conn.sobject('Account').update({ Id: a.id!, Name: 'Replay Two' });
    const all: Message[] = [];
    const c1 = conn.streaming.createClient([new StreamingExtension.Replay('/data/AccountChangeEvent', -2)]);
    await c1.subscribe('/data/AccountChangeEvent', (m: Message) => void all.push(m));
    await until(() => all.length >= 2, 'two replayed events');
    expect(all.map((m) => m.payload.ChangeEventHeader!.changeType)).toEqual(['CREATE', 'UPDATE']);
    disconnect(c1);

    const after: Message[] = [];
    const c2 = conn.streaming.createClient([new StreamingExtension.Replay('/data/AccountChangeEvent', all[0].event.replayId)]);
    await c2.subscribe('/data/AccountChangeEvent', (m: Message) => void after.push(m));
    await until(() => after.length >= 1, 'the event after the replay id');
    expect(after.map((m) => m.event.replayId)).toEqual([all[1].event.replayId]);
    disconnect(c2);

    // Everything retained so far expires: the old id is now outside the window.
    await fetch(`${emu.url}/__sandbox/streaming/expire`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const token = conn.accessToken!;
    const [hs] = await raw([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], id: '1' }], token);
    const [sub] = await raw([{ channel: '/meta/subscribe', clientId: hs.clientId, subscription: '/data/AccountChangeEvent', id: '2', ext: { replay: { '/data/AccountChangeEvent': all[0].event.replayId } } }], token);
    expect(sub).toMatchObject({ successful: false, error: `400::The replayId {${all[0].event.replayId}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.` });
    // The latest id still resumes (nothing after it was lost), as do -1 and -2.
    const [ok] = await raw([{ channel: '/meta/subscribe', clientId: hs.clientId, subscription: '/data/AccountChangeEvent', id: '3', ext: { replay: { '/data/AccountChangeEvent': all[1].event.replayId } } }], token);
    expect(ok.successful).toBe(true);
  }, 30_000);

  it('publishes platform events through REST and delivers them with their EventUuid; /data/ChangeEvents carries every object', async () => {
    await fetch(`${emu.url}/__sandbox/platform-events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Order_Event__e', fields: ['Order_Number__c', 'Amount__c'] }) });
    const conn = await loggedIn();
    const events: Message[] = [];
    const changes: Message[] = [];
    const client = conn.streaming.createClient([new StreamingExtension.Replay('/event/Order_Event__e', -1), new StreamingExtension.Replay('/data/ChangeEvents', -1)]);
    await client.subscribe('/event/Order_Event__e', (m: Message) => void events.push(m));
    await client.subscribe('/data/ChangeEvents', (m: Message) => void changes.push(m));
    const res = await conn.sobject('Order_Event__e').create({ Order_Number__c: 'SO-1', Amount__c: 12.5 });
    expect(res.success).toBe(true);
    await conn.sobject('Lead').create({ LastName: 'Streamer', Company: 'Bayeux Ltd' });
    await until(() => events.length >= 1 && changes.length >= 1, 'a platform event and a change event');
    expect(events[0].payload).toMatchObject({ Order_Number__c: 'SO-1', Amount__c: 12.5 });
    expect(events[0].event.EventUuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(changes[0].payload.ChangeEventHeader).toMatchObject({ entityName: 'Lead', changeType: 'CREATE' });
    disconnect(client);
  }, 30_000);

  it('answers the Bayeux meta channels as Salesforce does: denied without a token, unknown client, unknown channel, gap events', async () => {
    const [denied] = await raw([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], id: '1' }]);
    expect(denied).toMatchObject({ successful: false, error: '403::Handshake denied', advice: { reconnect: 'none' } });
    const token = await emu.state.issueToken();
    const [unknown] = await raw([{ channel: '/meta/connect', clientId: 'nope', connectionType: 'long-polling', id: '2' }], token);
    expect(unknown).toMatchObject({ successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake' } });
    const [hs] = await raw([{ channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], id: '3' }], token);
    expect(hs).toMatchObject({ successful: true, ext: { replay: true } });
    const [bad] = await raw([{ channel: '/meta/subscribe', clientId: hs.clientId, subscription: '/data/NopeChangeEvent', id: '4' }], token);
    expect(bad.error).toBe('400::The channel you requested to subscribe to does not exist {/data/NopeChangeEvent}');
    const [sub] = await raw([{ channel: '/meta/subscribe', clientId: hs.clientId, subscription: '/data/OpportunityChangeEvent', id: '5', ext: { replay: { '/data/OpportunityChangeEvent': -1 } } }], token);
    expect(sub.successful).toBe(true);
    await fetch(`${emu.url}/__sandbox/streaming/gap`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entity: 'Opportunity', changeType: 'GAP_OVERFLOW' }) });
    const replies = await raw([{ channel: '/meta/connect', clientId: hs.clientId, connectionType: 'long-polling', id: '6' }], token);
    expect(replies[0]).toMatchObject({ channel: '/meta/connect', successful: true });
    const ev = replies[1] as { channel: string; data: { payload: { ChangeEventHeader: Record<string, unknown> } } };
    expect(ev.channel).toBe('/data/OpportunityChangeEvent');
    expect(ev.data.payload.ChangeEventHeader).toMatchObject({ entityName: 'Opportunity', changeType: 'GAP_OVERFLOW', recordIds: [] });
    const [bye] = await raw([{ channel: '/meta/disconnect', clientId: hs.clientId, id: '7' }], token);
    expect(bye.successful).toBe(true);
  }, 30_000);
});
