/**
 * Intake of notifications a source sends on its own in its own format (Salesforce outbound messages):
 * POST /hooks/<flow>/<secret>. The secret in the path is compared in constant time with the flow's
 * (`trigger.secret`, a reference); the source connector verifies the sender (its org id) and splits
 * the body into events keyed by the sender's notification id; the events go to the inbox (repeats
 * dropped) and only then is the connector's acknowledgement returned, so a notification is never
 * acknowledged before it is durable. Anything else is answered without an acknowledgement, which
 * makes the sender retry.
 */
import type { ConnectorRegistry, WebhookEvent } from '../core/connector.js';
import { SyncError } from '../core/errors.js';
import { secretsEqual } from '../core/webhook-signature.js';
import type { InboxEvent, Store } from '../store/types.js';
import { decodeSecrets } from './connection-settings.js';
import type { FlowCache } from './flow-cache.js';
import { resolveSecretRef } from './flow-secrets.js';
import { DEFAULT_MAX_BODY, type IntakeRequest } from './intake.js';
import type { EngineMetrics } from './metrics.js';
import type { EventPayload } from './payloads.js';
import { envPolicy, resolveConnectionEnv, type EnvPolicy } from './settings.js';

/** The HTTP answer: the connector's acknowledgement, or JSON saying why not. */
export interface OutboundReply {
  status: number;
  contentType: string;
  body: string;
}

function refuse(status: number, error: string, message: string): OutboundReply {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ error, message }) };
}

/** Receives deliveries for flows with an `outboundMessage` trigger. */
export class OutboundIntake {
  constructor(
    private readonly store: Store,
    private readonly flows: FlowCache,
    private readonly connectors: ConnectorRegistry,
    private readonly metrics?: EngineMetrics,
    private readonly env: EnvPolicy = envPolicy(),
  ) {}

  /** Verifies, parses and stores one delivery; acknowledges only after the inbox commit. Never throws for bad input. */
  async receive(flowName: string, pathSecret: string, req: IntakeRequest): Promise<OutboundReply> {
    const row = await this.store.getFlow(flowName);
    if (!row) return refuse(404, 'not_found', `no flow named "${flowName}" is deployed`);
    const flow = await this.flows.get(row.name, row.currentVersion);
    const trig = flow.def.trigger;
    if (trig.type !== 'outboundMessage') return refuse(404, 'not_found', `flow "${flowName}" does not take outbound messages (its trigger is ${trig.type})`);
    if (req.rawBody.length > DEFAULT_MAX_BODY * 4) return refuse(413, 'payload_too_large', `body is ${req.rawBody.length} bytes`);
    let secret: string;
    try {
      secret = await resolveSecretRef(trig.secret, this.store);
    } catch (err) {
      return refuse(401, 'invalid_secret', `the flow's endpoint secret is not configured: ${(err as Error).message}`);
    }
    if (!secretsEqual(secret, pathSecret)) return refuse(401, 'invalid_secret', 'the secret in the endpoint path does not match the flow');
    const conn = await this.store.getConnection(flow.def.source.connection);
    const def = conn ? this.connectors.get(conn.type) : undefined;
    if (!conn || !def?.webhook) return refuse(500, 'no_parser', `connection "${flow.def.source.connection}" cannot take outbound messages`);
    const settings = resolveConnectionEnv(conn.name, { ...conn.settings, ...decodeSecrets(conn.secrets) }, this.env);
    let events: WebhookEvent[];
    try {
      const wreq = { headers: req.headers, rawBody: req.rawBody, body: undefined };
      def.webhook.verify(wreq, settings);
      events = def.webhook.parse(wreq, settings);
    } catch (err) {
      if (err instanceof SyncError && (err.kind === 'unauthorized' || err.kind === 'auth_expired')) return refuse(401, 'unauthorized', err.message);
      return refuse(400, 'invalid_payload', (err as Error).message);
    }
    const entity = flow.def.source.entity.toLowerCase();
    const wrong = events.find((e) => e.entity && e.entity.toLowerCase() !== entity);
    if (wrong) return refuse(400, 'invalid_payload', `notification for ${wrong.entity}, but flow "${flowName}" reads ${flow.def.source.entity}`);
    const inbox: InboxEvent[] = events.map((e) => {
      const payload: EventPayload = { record: e.data, id: e.recordId ?? null, type: e.type };
      return { flow: flowName, deliveryId: e.deliveryId!, payload: payload as unknown as InboxEvent['payload'], recordKey: e.recordId };
    });
    const res = await this.store.ingest(inbox, { flowVersion: flow.version, maxAttempts: flow.policy.maxAttempts });
    this.metrics?.eventsIn.inc({ flow: flowName }, res.accepted);
    if (res.duplicates) this.metrics?.eventsDuplicate.inc({ flow: flowName }, res.duplicates);
    const ack = def.webhook.acknowledgement?.();
    return ack ? { status: 200, contentType: ack.contentType, body: ack.body } : { status: 202, contentType: 'application/json; charset=utf-8', body: JSON.stringify({ accepted: res.accepted, duplicates: res.duplicates }) };
  }
}
