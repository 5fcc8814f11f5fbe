/**
 * The Streaming API: an event bus with replay ids and a retention window, and the CometD (Bayeux
 * 1.0, long-polling) endpoint at `/cometd/<version>` that serves it: /meta/handshake, /meta/connect
 * (held open until events arrive or the timeout), /meta/subscribe with the `replay` extension (-1 new
 * events only, -2 every retained event, or a replay id; an id outside the window is refused with
 * Salesforce's 400 message), /meta/unsubscribe and /meta/disconnect. Channels: /data/ChangeEvents,
 * /data/<Object>ChangeEvent and /event/<Name>__e.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** One retained event. */
export interface BusEvent {
  replayId: number;
  /** The event's own channel (`/data/AccountChangeEvent`, `/event/Order_Event__e`). */
  channel: string;
  /** When it was published (emulator clock, ms). */
  at: number;
  payload: Record<string, unknown>;
  /** Platform events carry a UUID besides the replay id. */
  uuid?: string;
}

/** A Bayeux message (either direction). */
export type BayeuxMessage = Record<string, unknown> & { channel?: string; id?: string; clientId?: string };

/** Options of the streaming endpoint. */
export interface StreamingOptions {
  /** How long events are kept for replay (default 72 h, Salesforce's for change and high-volume platform events). */
  retentionMs?: number;
  /** How long /meta/connect is held open without events (default 110 s, Salesforce's advice). */
  connectTimeoutMs?: number;
  clock: () => number;
}

interface Client {
  id: string;
  subscriptions: Set<string>;
  queue: BayeuxMessage[];
  /** Wakes the connect being held, if any. */
  wake: (() => void) | null;
  lastSeen: number;
}

const SCHEMA_IDS = new Map<string, string>();

function schemaId(channel: string): string {
  let id = SCHEMA_IDS.get(channel);
  if (!id) {
    id = randomBytes(16).toString('base64url').slice(0, 22);
    SCHEMA_IDS.set(channel, id);
  }
  return id;
}

/** The retained events of one org and the CometD sessions reading them. */
export class StreamingBus {
  /** Retained events, oldest first. */
  readonly events: BusEvent[] = [];
  /** How long events are kept; tests may change it. */
  retentionMs: number;
  /** /meta/connect hold time. */
  connectTimeoutMs: number;
  private nextReplayId = 1;
  /** The greatest replay id no longer retained (0: none dropped yet). */
  private expiredThrough = 0;
  private readonly clients = new Map<string, Client>();
  private closed = false;

  constructor(private readonly options: StreamingOptions) {
    this.retentionMs = options.retentionMs ?? 72 * 3600_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 110_000;
  }

  /** Publishes an event on its channel and hands it to every subscribed session; returns it. */
  publish(channel: string, payload: Record<string, unknown>, uuid?: string): BusEvent {
    this.expire();
    const event: BusEvent = { replayId: this.nextReplayId++, channel, at: this.options.clock(), payload, uuid };
    this.events.push(event);
    for (const c of this.clients.values()) {
      if ([...c.subscriptions].some((s) => covers(s, channel))) this.deliver(c, [this.message(event, [...c.subscriptions].find((s) => covers(s, channel))!)]);
    }
    return event;
  }

  /** Drops events older than the retention window (or every event up to `throughReplayId`). */
  expire(throughReplayId?: number): number {
    const cutoff = this.options.clock() - this.retentionMs;
    let n = 0;
    while (this.events.length > 0 && (this.events[0].at < cutoff || (throughReplayId !== undefined && this.events[0].replayId <= throughReplayId))) {
      this.expiredThrough = this.events.shift()!.replayId;
      n += 1;
    }
    return n;
  }

  /** True when a subscriber resuming after `replayId` would miss nothing: every later event is still retained. */
  replayable(replayId: number): boolean {
    if (replayId === -1 || replayId === -2) return true;
    return Number.isInteger(replayId) && replayId >= this.expiredThrough && replayId < this.nextReplayId;
  }

  /** Ends every held connect (the server is closing). */
  close(): void {
    this.closed = true;
    for (const c of this.clients.values()) c.wake?.();
    this.clients.clear();
  }

  /** Number of live CometD sessions (for tests and the demo). */
  get sessionCount(): number {
    return this.clients.size;
  }

  /**
   * Answers one POST to /cometd/<version>: a batch of Bayeux messages in, the replies (and any events
   * for the session) out. `authorized` is whether the request's OAuth token is valid.
   */
  async handle(messages: BayeuxMessage[], authorized: boolean, channelExists: (channel: string) => boolean): Promise<BayeuxMessage[]> {
    this.reap();
    const out: BayeuxMessage[] = [];
    for (const m of messages) {
      const base = { channel: m.channel, ...(m.id !== undefined ? { id: m.id } : {}) };
      if (!authorized) {
        out.push({ ...base, successful: false, error: '403::Handshake denied', ext: { sfdc: { failureReason: '401::Authentication invalid' }, replay: true }, advice: { reconnect: 'none' } });
        continue;
      }
      if (m.channel === '/meta/handshake') {
        const id = randomBytes(18).toString('base64url');
        this.clients.set(id, { id, subscriptions: new Set(), queue: [], wake: null, lastSeen: this.options.clock() });
        out.push({
          ...base, version: '1.0', minimumVersion: '1.0', clientId: id, supportedConnectionTypes: ['long-polling'], successful: true,
          ext: { replay: true, 'payload.format': true }, advice: { interval: 0, timeout: this.connectTimeoutMs, reconnect: 'retry' },
        });
        continue;
      }
      const client = typeof m.clientId === 'string' ? this.clients.get(m.clientId) : undefined;
      if (!client) {
        out.push({ ...base, clientId: m.clientId, successful: false, error: '403::Unknown client', advice: { interval: 0, reconnect: 'handshake' } });
        continue;
      }
      client.lastSeen = this.options.clock();
      if (m.channel === '/meta/connect') {
        if (client.queue.length === 0 && !this.closed) await this.hold(client);
        client.lastSeen = this.options.clock();
        out.push({ ...base, clientId: client.id, successful: true, advice: { interval: 0, timeout: this.connectTimeoutMs, reconnect: this.closed ? 'none' : 'retry' } });
        out.push(...client.queue.splice(0));
      } else if (m.channel === '/meta/subscribe') {
        out.push(this.subscribe(client, m, base, channelExists));
      } else if (m.channel === '/meta/unsubscribe') {
        const sub = String(m.subscription ?? '');
        const had = client.subscriptions.delete(sub);
        out.push(had ? { ...base, clientId: client.id, subscription: sub, successful: true } : { ...base, clientId: client.id, subscription: sub, successful: false, error: `403::Not subscribed to ${sub}` });
      } else if (m.channel === '/meta/disconnect') {
        this.clients.delete(client.id);
        client.wake?.();
        out.push({ ...base, clientId: client.id, successful: true });
      } else {
        out.push({ ...base, clientId: client.id, successful: false, error: `403::Publishing to ${String(m.channel)} is not allowed over CometD; publish platform events through the REST API` });
      }
    }
    return out;
  }

  private subscribe(client: Client, m: BayeuxMessage, base: BayeuxMessage, channelExists: (channel: string) => boolean): BayeuxMessage {
    const sub = String(m.subscription ?? '');
    if (!channelExists(sub)) return { ...base, clientId: client.id, subscription: sub, successful: false, error: `400::The channel you requested to subscribe to does not exist {${sub}}` };
    const replayMap = ((m.ext as Record<string, unknown> | undefined)?.replay ?? {}) as Record<string, unknown>;
    const from = replayMap[sub] === undefined ? -1 : Number(replayMap[sub]);
    if (!this.replayable(from)) {
      return { ...base, clientId: client.id, subscription: sub, successful: false, error: `400::The replayId {${String(replayMap[sub])}} you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.` };
    }
    client.subscriptions.add(sub);
    this.expire();
    if (from !== -1) {
      const replayed = this.events.filter((e) => covers(sub, e.channel) && (from === -2 || e.replayId > from)).map((e) => this.message(e, sub));
      if (replayed.length > 0) this.deliver(client, replayed);
    }
    return { ...base, clientId: client.id, subscription: sub, successful: true, ext: { replay: { [sub]: from } } };
  }

  private message(e: BusEvent, subscription: string): BayeuxMessage {
    // /data/ChangeEvents subscribers receive each event on that channel.
    const event: Record<string, unknown> = { replayId: e.replayId };
    if (e.uuid) event.EventUuid = e.uuid;
    return { channel: subscription === '/data/ChangeEvents' ? subscription : e.channel, data: { schema: schemaId(e.channel), payload: e.payload, event } };
  }

  private deliver(client: Client, messages: BayeuxMessage[]): void {
    client.queue.push(...messages);
    client.wake?.();
  }

  private hold(client: Client): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.connectTimeoutMs);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        client.wake = null;
        resolve();
      }
      client.wake = done;
    });
  }

  /** Forgets sessions that have not connected for two connect timeouts (the client went away). */
  private reap(): void {
    const now = this.options.clock();
    for (const c of this.clients.values()) if (!c.wake && now - c.lastSeen > 2 * this.connectTimeoutMs + 40_000) this.clients.delete(c.id);
  }
}

/** True when a subscription to `subscription` receives events of `channel`. */
export function covers(subscription: string, channel: string): boolean {
  return subscription === channel || (subscription === '/data/ChangeEvents' && channel.startsWith('/data/'));
}

/** A new platform-event UUID. */
export function eventUuid(): string {
  return randomUUID();
}
