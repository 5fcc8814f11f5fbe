/**
 * A minimal CometD (Bayeux 1.0, long-polling) session on the Streaming API, as jsforce's faye client
 * speaks it: handshake, subscribe with the `replay` extension, connect (the long poll), disconnect.
 * It keeps no position of its own beyond the last event it handed out; the engine stores the replay
 * id and a session opened from another position is replaced.
 */
import { SyncError } from '../../../core/errors.js';
import type { SalesforceClient } from '../client.js';

/** One event as a /meta/connect reply carries it. */
export interface StreamMessage {
  channel: string;
  data: { schema?: string; payload: Record<string, unknown>; event: { replayId: number; EventUuid?: string } };
}

/** Salesforce's answer to a replay id outside the retention window (400::The replayId {…} you provided was invalid…). */
const INVALID_REPLAY = /^400::The replayId \{[^}]*\} you provided was invalid/;

/** The org has no such channel: the object is not selected for Change Data Capture, or the org lacks the entitlement. */
const NO_CHANNEL = /^400::The channel you requested to subscribe to does not exist/;

/** How long a /meta/connect may take beyond the server's own hold time before we give up on it. */
const CONNECT_SLACK_MS = 20_000;

/** One CometD session subscribed to one channel. */
export class BayeuxSession {
  private clientId: string | null = null;
  private seq = 0;
  private serverTimeoutMs = 110_000;
  /** Events received but not handed out yet (a connect may bring more than one call takes). */
  readonly buffered: StreamMessage[] = [];
  /** The replay id of the last event handed out, or the replay option subscribed with (-1, -2). */
  position: number | null = null;
  /** The server's last refusal, for messages. */
  lastError = '';

  constructor(
    private readonly client: SalesforceClient,
    readonly channel: string,
  ) {}

  private id(): string {
    this.seq += 1;
    return String(this.seq);
  }

  /** Handshakes and subscribes from `replayFrom`; 'invalid-replay' when the org no longer retains events after it, 'no-channel' when the org has no such channel (Change Data Capture not enabled for the object). */
  async open(replayFrom: number, signal?: AbortSignal): Promise<'ok' | 'invalid-replay' | 'no-channel'> {
    this.buffered.length = 0;
    const [hs] = await this.client.cometd([{ channel: '/meta/handshake', version: '1.0', minimumVersion: '1.0', supportedConnectionTypes: ['long-polling'], id: this.id() }], { gated: true, signal });
    if (hs?.successful !== true || typeof hs.clientId !== 'string') throw failure('handshake', hs);
    this.clientId = hs.clientId;
    const advice = hs.advice as { timeout?: number } | undefined;
    if (typeof advice?.timeout === 'number') this.serverTimeoutMs = advice.timeout;
    const replies = await this.client.cometd(
      [{ channel: '/meta/subscribe', clientId: this.clientId, subscription: this.channel, id: this.id(), ext: { replay: { [this.channel]: replayFrom } } }],
      { gated: true, signal },
    );
    const sub = replies.find((r) => r.channel === '/meta/subscribe');
    this.take(replies);
    if (sub?.successful !== true) {
      if (INVALID_REPLAY.test(String(sub?.error ?? ''))) {
        await this.close();
        return 'invalid-replay';
      }
      if (NO_CHANNEL.test(String(sub?.error ?? ''))) {
        this.lastError = String(sub?.error);
        await this.close();
        return 'no-channel';
      }
      throw failure('subscribe', sub);
    }
    this.position = replayFrom;
    return 'ok';
  }

  /** One long poll: returns when the server delivers events or its hold time ends. Holds no concurrency slot (see SalesforceClient.cometd). */
  async connect(signal?: AbortSignal): Promise<void> {
    if (!this.clientId) throw new SyncError('retryable', 'streaming session is not open', { system: 'salesforce' });
    const replies = await this.client.cometd([{ channel: '/meta/connect', clientId: this.clientId, connectionType: 'long-polling', id: this.id() }], {
      gated: false,
      signal,
      timeoutMs: this.serverTimeoutMs + CONNECT_SLACK_MS,
    });
    const reply = replies.find((r) => r.channel === '/meta/connect');
    this.take(replies);
    if (reply && reply.successful !== true) {
      // The server forgot the client (expired session, restart): the caller re-handshakes from its stored position.
      this.clientId = null;
      throw failure('connect', reply);
    }
  }

  /** Hands out up to `limit` buffered events and advances `position` past them. */
  next(limit: number): StreamMessage[] {
    const out = this.buffered.splice(0, limit);
    if (out.length > 0) this.position = out[out.length - 1].data.event.replayId;
    return out;
  }

  /** Ends the session (best effort). */
  async close(): Promise<void> {
    const id = this.clientId;
    this.clientId = null;
    this.position = null;
    if (!id) return;
    await this.client.cometd([{ channel: '/meta/disconnect', clientId: id, id: this.id() }], { gated: true }).catch(() => undefined);
  }

  private take(replies: Record<string, unknown>[]): void {
    for (const r of replies) {
      if (typeof r.channel === 'string' && !r.channel.startsWith('/meta/') && r.data && typeof r.data === 'object') this.buffered.push(r as unknown as StreamMessage);
    }
  }
}

function failure(step: string, reply: Record<string, unknown> | undefined): SyncError {
  const error = String(reply?.error ?? 'no reply');
  // 401/403 on the session are the token's; 400 is a request we should not repeat as is.
  const kind = /^40[13]::.*(Authentication|Handshake denied)/.test(error) ? 'auth_expired' : error.startsWith('400::') ? 'fatal' : 'retryable';
  return new SyncError(kind, `Salesforce streaming ${step} failed: ${error}`, { system: 'salesforce', vendorCode: error.split('::')[0] });
}
