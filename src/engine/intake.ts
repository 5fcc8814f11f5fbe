/**
 * Webhook intake: size limit, optional HMAC-SHA256 signature with a timestamp tolerance, JSON parsing,
 * splitting into records, and the inbox insert. The caller acknowledges only after `ingest` returns,
 * i.e. after the inbox rows and their jobs are committed.
 */
import { createHash } from 'node:crypto';
import type { ConnectorRegistry, WebhookEvent } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import { signWebhook, verifyWebhookSignature } from '../core/webhook-signature.js';
import type { WebhookTriggerDef } from '../core/flow.js';
import type { Fields } from '../core/json.js';
import type { InboxEvent, Store } from '../store/types.js';
import type { FlowCache } from './flow-cache.js';
import type { Admission } from './admission.js';
import type { EngineMetrics } from './metrics.js';
import type { EventPayload } from './payloads.js';
import { envPolicy, resolveConnectionEnv, type EnvPolicy } from './settings.js';
import { decodeSecrets } from './connection-settings.js';
import { resolveSecretRef } from './flow-secrets.js';

/** The HTTP answer intake wants sent. */
export interface IntakeResponse {
  status: number;
  body: { accepted?: number; duplicates?: number; error?: string; message?: string };
  /** Set on a refusal for backpressure: the Retry-After header to send, in seconds. */
  retryAfterSeconds?: number;
}

/** An incoming webhook request. */
export interface IntakeRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

/** Default largest webhook body: 1 MiB. */
export const DEFAULT_MAX_BODY = 1_048_576;

/** Deepest nesting of arrays and objects a webhook body may have; deeper bodies are refused (JSON.stringify of the payload would overflow the stack). */
export const MAX_BODY_DEPTH = 64;

/** Handles webhook deliveries for flows with a webhook trigger. */
export class Intake {
  constructor(
    private readonly store: Store,
    private readonly flows: FlowCache,
    private readonly connectors: ConnectorRegistry,
    private readonly metrics?: EngineMetrics,
    private readonly clock: () => number = Date.now,
    private readonly env: EnvPolicy = envPolicy(),
    private readonly admission?: Admission,
  ) {}

  /** Verifies, parses and stores one delivery to `/hooks/<flowName>`. Never throws for bad input. */
  async receive(flowName: string, req: IntakeRequest): Promise<IntakeResponse> {
    const row = (await this.flows.flows()).find((f) => f.name === flowName) ?? (await this.store.getFlow(flowName));
    if (!row) return { status: 404, body: { error: 'not_found', message: `no flow named "${flowName}" is deployed` } };
    const flow = await this.flows.get(row.name, row.currentVersion);
    const trig = flow.def.trigger;
    if (trig.type !== 'webhook') return { status: 404, body: { error: 'not_found', message: `flow "${flowName}" is not started by webhooks (its trigger is ${trig.type})` } };
    if (req.rawBody.length > (trig.maxBodyBytes ?? DEFAULT_MAX_BODY)) {
      return { status: 413, body: { error: 'payload_too_large', message: `body is ${req.rawBody.length} bytes; this flow accepts at most ${trig.maxBodyBytes ?? DEFAULT_MAX_BODY}` } };
    }
    const sigError = await this.verifySignature(trig, req);
    if (sigError) return { status: 401, body: { error: 'invalid_signature', message: sigError } };
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch (err) {
      return { status: 400, body: { error: 'invalid_json', message: `body is not valid JSON: ${(err as Error).message}` } };
    }
    if (nestedDeeperThan(body, MAX_BODY_DEPTH)) {
      return { status: 400, body: { error: 'invalid_payload', message: `body nests arrays and objects deeper than ${MAX_BODY_DEPTH} levels` } };
    }
    let events: WebhookEvent[];
    try {
      events = trig.useConnectorParser ? await this.parseWithConnector(flow.def.source.connection, req, body, !trig.secret && trig.unsigned !== true) : splitRecords(trig, body, header(req.headers, trig.deliveryIdHeader ?? 'x-delivery-id'));
    } catch (err) {
      // The connector's own verifier refused the request: the same 401 as the engine's.
      if (err instanceof SyncError && (err.kind === 'unauthorized' || err.kind === 'auth_expired')) return { status: 401, body: { error: 'invalid_signature', message: err.message } };
      return { status: 400, body: { error: 'invalid_payload', message: (err as Error).message } };
    }
    if (events.length === 0) return { status: 400, body: { error: 'invalid_payload', message: 'the body holds no records' } };
    const inbox: InboxEvent[] = events.map((e) => {
      const payload: EventPayload = { record: e.data, id: e.recordId ?? null, type: e.type };
      return {
        flow: flowName,
        deliveryId: e.deliveryId ?? `sha256:${createHash('sha256').update(JSON.stringify(e.data)).digest('hex')}`,
        payload: payload as unknown as InboxEvent['payload'],
        recordKey: e.sequenceKey ?? e.recordId,
      };
    });
    // Admission last: a bad delivery gets its own 4xx, never an invitation to send it again.
    const refusal = await this.admission?.admit(flowName, inbox.length);
    if (refusal) {
      this.metrics?.webhooksRefused.inc({ flow: flowName });
      return { status: 503, body: { error: 'backlog_full', message: refusal.message }, retryAfterSeconds: refusal.retryAfterSeconds };
    }
    const res = await this.store.ingest(inbox, { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts });
    this.admission?.accepted(flowName, res.accepted);
    this.metrics?.eventsIn.inc({ flow: flowName }, res.accepted);
    if (res.duplicates) this.metrics?.eventsDuplicate.inc({ flow: flowName }, res.duplicates);
    return { status: 202, body: { accepted: res.accepted, duplicates: res.duplicates } };
  }

  /** Returns a reason when the delivery is not signed as the flow requires, else null. */
  private async verifySignature(trig: WebhookTriggerDef, req: IntakeRequest): Promise<string | null> {
    // A flow parsed by its connector is verified by the connector (its connection holds the secret), as the flow loader allows.
    if (!trig.secret) return trig.unsigned === true || trig.useConnectorParser === true ? null : 'this flow has no signing secret and does not say `unsigned: true`; deliveries are refused';
    let secret: string;
    try {
      // A flow's secret is only compared, never sent anywhere.
      secret = await resolveSecretRef(trig.secret, this.store);
    } catch (err) {
      return `the flow's signing secret is not configured: ${(err as Error).message}`;
    }
    try {
      verifyWebhookSignature({ ...trig, secret }, req.headers, req.rawBody, this.clock());
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** Verifies and splits a delivery with the source connector's own webhook support; `mustBeSigned` when the flow neither signs nor says `unsigned: true`. */
  private async parseWithConnector(connection: string, req: IntakeRequest, body: unknown, mustBeSigned: boolean): Promise<WebhookEvent[]> {
    const row = await this.store.getConnection(connection);
    const def = row ? this.connectors.get(row.type) : undefined;
    if (!row || !def?.webhook) throw new Error(`connection "${connection}" has no webhook parser`);
    const settings = resolveConnectionEnv(connection, { ...row.settings, ...decodeSecrets(row.secrets) }, this.env);
    if (mustBeSigned && def.webhook.isSigned?.(settings) === false) {
      throw new SyncError('unauthorized', `connection "${connection}" has no webhook signing secret and the flow does not say \`unsigned: true\`; deliveries are refused`, { status: 401 });
    }
    const wreq = { headers: req.headers, rawBody: req.rawBody, body };
    def.webhook.verify(wreq, settings);
    return def.webhook.parse(wreq, settings);
  }
}

/** Signs a delivery the way senders must (core/webhook-signature.ts; kept here for the engine's callers). */
export { signWebhook };

function header(headers: IntakeRequest['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** True when `value` nests arrays/objects deeper than `max` (iterative, so hostile depth cannot overflow the stack here). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** Splits a generic JSON body into records using the trigger's recordsPath / idPath. */
function splitRecords(trig: WebhookTriggerDef, body: unknown, deliveryId: string | undefined): WebhookEvent[] {
  let records: unknown = trig.recordsPath ? getPath(body, trig.recordsPath) : body;
  if (records === undefined) throw new Error(`no records at "${trig.recordsPath}" in the body`);
  const many = Array.isArray(records);
  if (!many) records = [records];
  return (records as unknown[]).map((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`record ${i} is not a JSON object`);
    const id = getPath(r, trig.idPath ?? 'id');
    return {
      deliveryId: deliveryId ? (many ? `${deliveryId}#${i}` : deliveryId) : undefined,
      recordId: id === undefined || id === null ? undefined : String(id),
      data: r as Fields,
    };
  });
}

/** Reads a dotted path (`data.records`), refusing prototype keys. */
function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (part === '__proto__' || part === 'constructor' || part === 'prototype') return undefined;
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
