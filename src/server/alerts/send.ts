/**
 * The alert channels' senders: e-mail over SMTP (nodemailer), a Slack-compatible incoming webhook, and
 * a generic webhook signed with the project's one webhook signature (core/webhook-signature.ts), the
 * rule Syncline itself checks on incoming hooks. HTTP goes through the one HTTP client; failures are
 * SyncErrors so the evaluator's back-off decides what is retried.
 */
import { SyncError } from '../../core/errors.js';
import { SIGNATURE_DEFAULTS, signWebhook } from '../../core/webhook-signature.js';
import { classifyStatus, httpRequest } from '../../connectors/shared/http.js';
import type { AlertNotice, SendAlert } from '../../engine/alerts/evaluator.js';
import { channelSpecs, isChannelType, type ChannelSettings } from '../../engine/alerts/specs.js';
import type { AlertChannelWithSecrets } from '../../store/alerts/types.js';

/** Timeout of one send. */
const SEND_TIMEOUT_MS = 15_000;

/** The one-line subject of a notice. */
export function noticeSubject(n: AlertNotice): string {
  const tag = n.event === 'resolved' ? 'Resolved' : n.event === 'test' ? 'Test' : n.alert.severity === 'critical' ? 'Critical' : 'Alert';
  return `[Syncline ${tag}] ${n.alert.title}`;
}

/** The plain-text body of a notice (e-mail, and the text of chat messages). */
export function noticeText(n: AlertNotice): string {
  const lines = [
    n.event === 'resolved' ? `Resolved: the condition cleared at ${n.alert.resolvedAt ?? 'now'}.` : null,
    n.alert.text,
    '',
    `Rule: ${n.alert.rule} (${n.alert.kind}); subject: ${n.alert.subject}; opened ${n.alert.openedAt}.`,
    '',
    ...n.links.map((l) => `${l.label}: ${l.url}`),
  ];
  return lines.filter((l) => l !== null).join('\n');
}

/** The JSON a generic webhook receives. */
export function webhookBody(n: AlertNotice): Record<string, unknown> {
  const a = n.alert;
  return {
    event: `alert.${n.event}`,
    deliveryId: n.deliveryId,
    alert: { id: a.id, rule: a.rule, kind: a.kind, subject: a.subject, status: a.status, severity: a.severity, title: a.title, text: a.text, details: a.details, openedAt: a.openedAt, resolvedAt: a.resolvedAt },
    links: n.links,
  };
}

/** The message a Slack-compatible incoming webhook receives (`text` for clients that read only it, blocks for Slack). */
export function slackBody(n: AlertNotice): Record<string, unknown> {
  const links = n.links.map((l) => `<${l.url}|${l.label.replace(/[<>|]/g, '')}>`).join(' · ');
  const icon = n.event === 'resolved' ? ':white_check_mark:' : n.alert.severity === 'critical' ? ':rotating_light:' : ':warning:';
  return {
    text: `${icon} ${noticeSubject(n)}\n${n.alert.text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: noticeSubject(n).slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: (n.event === 'resolved' ? '*Resolved.* ' : '') + n.alert.text.slice(0, 2900) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: links.slice(0, 2900) || 'Syncline' }] },
    ],
  };
}

async function postJson(channel: string, url: string, body: string, headers: Record<string, string>): Promise<void> {
  const res = await httpRequest({ method: 'POST', url, body, headers: { 'content-type': 'application/json', ...headers }, timeoutMs: SEND_TIMEOUT_MS });
  if (res.status >= 200 && res.status < 300) return;
  throw classifyStatus(res.status, res.headers, `channel "${channel}": ${url.replace(/\?.*$/, '')} answered ${res.status} ${res.text.slice(0, 200)}`, 'alerts');
}

type Senders = { [T in keyof typeof channelSpecs]: (name: string, s: ChannelSettings<T>, n: AlertNotice) => Promise<void> };

const senders: Senders = {
  async email(name, s, n) {
    // Loaded on the first e-mail, not with the server (test/architecture/start-up-imports.test.ts).
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: s.host,
      port: s.port,
      secure: s.tls === 'implicit',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      auth: s.username ? { user: s.username, pass: s.password ?? '' } : undefined,
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    });
    try {
      await transport.sendMail({ from: s.from, to: s.to.split(',').map((a) => a.trim()).filter(Boolean), subject: noticeSubject(n), text: noticeText(n), headers: { 'X-Syncline-Alert': n.alert.id, 'X-Syncline-Delivery': n.deliveryId } });
    } catch (err) {
      const e = err as Error & { code?: string; responseCode?: number };
      // 5xx SMTP answers are permanent (a refused address or login); the rest (network, 4xx) may pass later.
      const permanent = e.code === 'EAUTH' || (e.responseCode !== undefined && e.responseCode >= 500);
      throw new SyncError(permanent ? 'fatal' : 'retryable', `channel "${name}": SMTP ${s.host}:${s.port}: ${e.message}`, { system: 'smtp' }, { cause: err });
    } finally {
      transport.close();
    }
  },

  async slack(name, s, n) {
    await postJson(name, s.url, JSON.stringify(slackBody(n)), {});
  },

  async webhook(name, s, n) {
    const body = JSON.stringify(webhookBody(n));
    const timestamp = String(Math.floor(Date.now() / 1000));
    await postJson(name, s.url, body, {
      [SIGNATURE_DEFAULTS.signatureHeader]: signWebhook(s.secret, timestamp, body, n.deliveryId),
      [SIGNATURE_DEFAULTS.timestampHeader]: timestamp,
      [SIGNATURE_DEFAULTS.deliveryIdHeader]: n.deliveryId,
    });
  },
};

/** Sends a notice through a stored channel (its settings and decrypted secrets parsed by the channel's spec). */
export const sendAlert: SendAlert = async (channel: AlertChannelWithSecrets, notice: AlertNotice) => {
  if (!isChannelType(channel.type)) throw new SyncError('fatal', `channel "${channel.name}" has unknown type "${channel.type}"`);
  const type = channel.type;
  const settings = channelSpecs[type].parse({ ...channel.settings, ...channel.secrets }, `alert channel "${channel.name}"`);
  await (senders[type] as (name: string, s: unknown, n: AlertNotice) => Promise<void>)(channel.name, settings, notice);
};
