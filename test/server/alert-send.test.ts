/**
 * The channel senders against a local HTTP server: the Slack-compatible message (text for any client,
 * blocks for Slack), the generic webhook signed with the project's one signature rule (verified here
 * with the same verifier incoming hooks use), and failures classified so the back-off knows what to retry.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../../src/core/errors.js';
import { verifyWebhookSignature } from '../../src/core/webhook-signature.js';
import type { AlertNotice } from '../../src/engine/alerts/evaluator.js';
import { noticeSubject, sendAlert } from '../../src/server/alerts/send.js';
import type { AlertChannelWithSecrets, AlertRow } from '../../src/store/alerts/types.js';

const alert: AlertRow = {
  id: 'a1', rule: 'budget', kind: 'api_budget', subject: 'crm', key: 'budget|crm', status: 'open', severity: 'critical',
  title: 'Connection crm used 100% of its daily API budget', text: 'Connection "crm" has used 1000 of its 1000 API calls today (100%).', details: { used: 1000 },
  links: [{ label: 'Connections', path: '/connections' }], openedAt: '2026-06-01T12:00:00.000Z', lastSeenAt: '2026-06-01T12:00:00.000Z',
  acknowledgedBy: null, acknowledgedAt: null, silencedUntil: null, silencedBy: null, resolvedAt: null,
};
const notice: AlertNotice = { event: 'opened', alert, deliveryId: 'dlv-1', links: [{ label: 'Connections', url: 'https://syncline.example.com/connections' }] };
const channel = (type: AlertChannelWithSecrets['type'], settings: Record<string, unknown>, secrets: Record<string, string>): AlertChannelWithSecrets => ({
  name: `test-${type}`, type, settings, secrets, secretNames: Object.keys(secrets), createdAt: '', updatedAt: '',
});

describe('alert channel senders', () => {
  let server: Server;
  let url: string;
  const got: Array<{ path: string; headers: IncomingHttpHeaders; raw: Buffer }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.push({ path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks) });
        const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('posts a Slack-compatible message: a text line and blocks with the explanation and links', async () => {
    await sendAlert(channel('slack', {}, { url: `${url}/services/T000/B000/xyz` }), notice);
    const body = JSON.parse(got.at(-1)!.raw.toString('utf8'));
    expect(body.text).toBe(`:rotating_light: ${noticeSubject(notice)}\n${alert.text}`);
    expect(noticeSubject(notice)).toBe('[Syncline Critical] Connection crm used 100% of its daily API budget');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[2].elements[0].text).toBe('<https://syncline.example.com/connections|Connections>');
  });

  it('signs a generic webhook so the project\'s own verifier accepts it, and only with the right secret', async () => {
    await sendAlert(channel('webhook', { url: `${url}/hook` }, { secret: 'whsec-1' }), notice);
    const req = got.at(-1)!;
    expect(req.headers['x-delivery-id']).toBe('dlv-1');
    expect(() => verifyWebhookSignature({ secret: 'whsec-1' }, req.headers, req.raw)).not.toThrow();
    expect(() => verifyWebhookSignature({ secret: 'other' }, req.headers, req.raw)).toThrow(/signature does not match/);
    expect(JSON.parse(req.raw.toString('utf8'))).toMatchObject({ event: 'alert.opened', deliveryId: 'dlv-1', alert: { id: 'a1', severity: 'critical' } });
  });

  it('classifies failures: a 5xx may pass later, a 4xx will not, bad settings are named', async () => {
    const fail = (status: number) => sendAlert(channel('webhook', { url: `${url}/hook?status=${status}` }, { secret: 's' }), notice).then(() => null, (e: SyncError) => e);
    expect((await fail(503))!.kind).toBe('retryable');
    expect((await fail(400))!.kind).toBe('invalid_data');
    const missing = await sendAlert(channel('webhook', { url: `${url}/hook` }, {}), notice).then(() => null, (e: SyncError) => e);
    expect(missing!.message).toMatch(/alert channel "test-webhook" connection settings: secret: must have required property 'secret'/);
  });
});
