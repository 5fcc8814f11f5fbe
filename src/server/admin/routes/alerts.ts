/**
 * Notifications (decision 0016): alert rules and channels, the alerts they raised (acknowledge,
 * silence), and a way to evaluate now. Channel secrets are write-only: sent inside `settings`, split
 * off by the channel type's spec, stored sealed, and listed by name only.
 */
import type { JsonObject } from '../../../core/json.js';
import { parseDuration } from '../../../engine/durations.js';
import { ruleProblems } from '../../../engine/alerts/rules.js';
import { channelSecretNames, channelSpecs, isChannelType, ruleSpecs } from '../../../engine/alerts/specs.js';
import type { AlertChannelRow, AlertFilter, AlertRow } from '../../../store/alerts/types.js';
import { ApiError, defineRoute, notFound, type AnyRoute } from '../route.js';
import { arr, idParams, iso, obj } from '../schemas.js';

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
const openObject = { type: 'object', additionalProperties: true } as const;
const nullable = (s: object) => ({ anyOf: [s, { type: 'null' }] });
const NAME = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } as const;
const nameParams = obj({ name: NAME });

const linkSchema = obj({ label: str, path: str });
const alertSchema = obj({
  id: str,
  rule: str,
  kind: str,
  subject: str,
  key: str,
  status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
  severity: { type: 'string', enum: ['warning', 'critical'] },
  title: str,
  text: str,
  details: openObject,
  links: arr(linkSchema),
  openedAt: iso,
  lastSeenAt: iso,
  acknowledgedBy: nullable(str),
  acknowledgedAt: nullable(iso),
  silencedUntil: nullable(iso),
  silencedBy: nullable(str),
  resolvedAt: nullable(iso),
});
const deliverySchema = obj({
  id: str,
  alertId: str,
  channel: str,
  event: { type: 'string', enum: ['opened', 'resolved'] },
  status: { type: 'string', enum: ['pending', 'sent', 'failed', 'cancelled'] },
  attempts: int,
  nextAt: iso,
  lastError: nullable(str),
  sentAt: nullable(iso),
  createdAt: iso,
});
const channelSchema = obj({ name: str, type: { type: 'string', enum: Object.keys(channelSpecs) }, settings: openObject, secretNames: arr(str), createdAt: iso, updatedAt: iso });
const ruleSchema = obj({
  name: str,
  kind: { type: 'string', enum: Object.keys(ruleSpecs) },
  params: openObject,
  channels: arr(str),
  enabled: bool,
  lastEvaluatedAt: nullable(iso),
  lastError: nullable(str),
  createdAt: iso,
  updatedAt: iso,
});
const summarySchema = obj({ evaluated: bool, rules: int, opened: int, resolved: int, ongoing: int, errors: int, sent: int, failed: int });

/** A 400 naming each bad setting, as the connection routes answer. */
function invalid(what: string, problems: string[]): ApiError {
  return new ApiError(400, 'invalid_settings', `${what}: ${problems.join('; ')}`, { issues: problems.map((p) => ({ path: p.split(':')[0], message: p })) });
}

/** The alert and notification routes. */
export const alertRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET',
    url: '/alerts/kinds',
    access: 'viewer',
    summary: 'Rule kinds and channel types, each with the JSON Schema of its params or settings (secret fields marked x-secret).',
    tag: 'notifications',
    schema: {
      response: {
        200: obj({
          rules: arr(obj({ kind: str, title: str, description: str, schema: openObject })),
          channels: arr(obj({ type: str, title: str, schema: openObject, secretFields: arr(str) })),
        }),
      },
    },
    async handler() {
      return {
        rules: Object.entries(ruleSpecs).map(([kind, spec]) => ({ kind, title: String(spec.jsonSchema.title ?? kind), description: String(spec.jsonSchema.description ?? ''), schema: spec.jsonSchema })),
        channels: Object.entries(channelSpecs).map(([type, spec]) => ({ type, title: String(spec.jsonSchema.title ?? type), schema: spec.jsonSchema, secretFields: channelSecretNames(type as keyof typeof channelSpecs) })),
      };
    },
  }),

  // ---------- channels ----------
  defineRoute({
    method: 'GET',
    url: '/alerts/channels',
    access: 'viewer',
    summary: 'Notification channels: settings and the names of the secrets set, never their values.',
    tag: 'notifications',
    schema: { response: { 200: arr(channelSchema) } },
    async handler({ ctx }) {
      return ctx.store.alerts.listChannels();
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { type: string; settings: Record<string, unknown> }>({
    method: 'PUT',
    url: '/alerts/channels/:name',
    access: 'admin',
    summary: 'Create or change a channel (email, slack, webhook). Secret settings are stored encrypted; leave one out to keep the stored value, send "" to remove it.',
    tag: 'notifications',
    schema: { params: nameParams, body: obj({ type: str, settings: openObject }), response: { 200: channelSchema } },
    async handler({ params, body, ctx, principal }): Promise<AlertChannelRow> {
      if (!isChannelType(body.type)) throw invalid(`channel "${params.name}"`, [`type: "${body.type}" is not a channel type (one of ${Object.keys(channelSpecs).join(', ')})`]);
      const secretFields = new Set(channelSecretNames(body.type));
      const existing = await ctx.store.alerts.listChannels().then((all) => all.find((c) => c.name === params.name));
      const kept = existing && existing.type === body.type ? existing.secretNames : [];
      const settings: Record<string, unknown> = {};
      const secrets: Record<string, string> = {};
      for (const [k, v] of Object.entries(body.settings)) {
        if (!secretFields.has(k)) settings[k] = v;
        else if (typeof v === 'string') secrets[k] = v;
        else throw invalid(`channel "${params.name}"`, [`${k}: must be a string`]);
      }
      // Validation sees a stored secret as set (its value is not read back for this).
      const candidate = { ...settings, ...Object.fromEntries(kept.map((k) => [k, 'stored'])), ...Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== '')) };
      for (const [k, v] of Object.entries(secrets)) if (v === '') delete candidate[k];
      const problems = channelSpecs[body.type].problems(candidate);
      if (problems.length) throw invalid(`channel "${params.name}"`, problems);
      return ctx.store.alerts.putChannel({ name: params.name, type: body.type, settings, secrets }, principal!.user.username);
    },
  }),
  defineRoute<{ name: string }>({
    method: 'DELETE',
    url: '/alerts/channels/:name',
    access: 'admin',
    summary: 'Delete a channel; refused while a rule sends to it (saying which).',
    tag: 'notifications',
    schema: { params: nameParams, response: { 200: obj({ ok: bool }) } },
    async handler({ params, ctx, principal }) {
      const users = (await ctx.store.alerts.listRules()).filter((r) => r.channels.includes(params.name)).map((r) => r.name);
      if (users.length) throw new ApiError(409, 'in_use', `channel "${params.name}" is used by rule${users.length > 1 ? 's' : ''} ${users.join(', ')}; remove it there first`, { rules: users });
      if (!(await ctx.store.alerts.deleteChannel(params.name, principal!.user.username))) throw notFound(`channel "${params.name}"`);
      return { ok: true };
    },
  }),
  defineRoute<{ name: string }>({
    method: 'POST',
    url: '/alerts/channels/:name/test',
    access: 'admin',
    summary: 'Send a test notification through a channel now; answers what the channel said.',
    tag: 'notifications',
    schema: { params: nameParams, response: { 200: obj({ ok: bool, message: str }) } },
    async handler({ params, ctx, principal }) {
      const channel = await ctx.store.alerts.getChannel(params.name);
      if (!channel) throw notFound(`channel "${params.name}"`);
      try {
        await ctx.alerts.sendTest(channel, principal!.user.username);
        return { ok: true, message: `Sent a test notification through "${params.name}".` };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  }),

  // ---------- rules ----------
  defineRoute({
    method: 'GET',
    url: '/alerts/rules',
    access: 'viewer',
    summary: 'Alert rules, with when each was last evaluated and why it could not be, if so.',
    tag: 'notifications',
    schema: { response: { 200: arr(ruleSchema) } },
    async handler({ ctx }) {
      return ctx.store.alerts.listRules();
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { kind: string; params?: JsonObject; channels?: string[]; enabled?: boolean }>({
    method: 'PUT',
    url: '/alerts/rules/:name',
    access: 'operator',
    summary: 'Create or change a rule: its kind, params (validated against the kind), channels and whether it is enabled.',
    tag: 'notifications',
    schema: {
      params: nameParams,
      body: obj({ kind: str, params: openObject, channels: arr(NAME), enabled: bool }, ['params', 'channels', 'enabled']),
      response: { 200: ruleSchema },
    },
    async handler({ params, body, ctx, principal }) {
      const problems = ruleProblems(body.kind, body.params ?? {});
      const known = new Set((await ctx.store.alerts.listChannels()).map((c) => c.name));
      for (const c of body.channels ?? []) if (!known.has(c)) problems.push(`channels: no channel named "${c}"`);
      if (problems.length) throw invalid(`rule "${params.name}"`, problems);
      return ctx.store.alerts.putRule({ name: params.name, kind: body.kind, params: body.params ?? {}, channels: body.channels ?? [], enabled: body.enabled ?? true }, principal!.user.username);
    },
  }),
  defineRoute<{ name: string }>({
    method: 'DELETE',
    url: '/alerts/rules/:name',
    access: 'operator',
    summary: 'Delete a rule; its active alerts are resolved without a notification.',
    tag: 'notifications',
    schema: { params: nameParams, response: { 200: obj({ ok: bool }) } },
    async handler({ params, ctx, principal }) {
      if (!(await ctx.store.alerts.deleteRule(params.name, principal!.user.username))) throw notFound(`rule "${params.name}"`);
      return { ok: true };
    },
  }),

  // ---------- alerts ----------
  defineRoute<Record<string, never>, { status?: AlertFilter['status'] | 'all'; rule?: string; limit?: number; before?: string }>({
    method: 'GET',
    url: '/alerts',
    access: 'viewer',
    summary: 'Alerts newest first: active (open or acknowledged, the default), open, acknowledged, resolved or all; by rule; paged with `before`.',
    tag: 'notifications',
    schema: {
      querystring: obj(
        {
          status: { type: 'string', enum: ['active', 'open', 'acknowledged', 'resolved', 'all'], default: 'active' },
          rule: str,
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          before: str,
        },
        ['status', 'rule', 'limit', 'before'],
      ),
      response: { 200: arr(alertSchema) },
    },
    async handler({ query, ctx }) {
      return ctx.store.alerts.listAlerts({ ...query, status: query.status === 'all' ? undefined : query.status });
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/alerts/evaluate',
    access: 'operator',
    summary: 'Evaluate every rule and send due notifications now (the timer does the same every interval).',
    tag: 'notifications',
    schema: { response: { 200: summarySchema } },
    async handler({ ctx }) {
      return ctx.alerts.runOnce();
    },
  }),
  defineRoute<{ id: string }>({
    method: 'GET',
    url: '/alerts/:id',
    access: 'viewer',
    summary: 'One alert with its deliveries (each channel, attempts, last error).',
    tag: 'notifications',
    schema: { params: idParams, response: { 200: obj({ alert: alertSchema, deliveries: arr(deliverySchema) }) } },
    async handler({ params, ctx }) {
      const alert = await ctx.store.alerts.getAlert(params.id);
      if (!alert) throw notFound(`alert ${params.id}`);
      return { alert, deliveries: await ctx.store.alerts.listDeliveries(params.id) };
    },
  }),
  defineRoute<{ id: string }>({
    method: 'POST',
    url: '/alerts/:id/acknowledge',
    access: 'operator',
    summary: 'Acknowledge an open alert: someone is on it. It stays active (not notified again) until its condition clears.',
    tag: 'notifications',
    schema: { params: idParams, response: { 200: alertSchema } },
    async handler({ params, ctx, principal }): Promise<AlertRow> {
      const done = await ctx.store.alerts.acknowledgeAlert(params.id, principal!.user.username);
      if (done) return done;
      const a = await ctx.store.alerts.getAlert(params.id);
      if (!a) throw notFound(`alert ${params.id}`);
      throw new ApiError(409, 'not_open', `alert ${params.id} is ${a.status}`);
    },
  }),
  defineRoute<{ id: string }, Record<string, never>, { for: string }>({
    method: 'POST',
    url: '/alerts/:id/silence',
    access: 'operator',
    summary: 'Silence an alert for a period (`for`: 30m, 4h, 2d): no notification of it, or of its rule and subject opening again, until then.',
    tag: 'notifications',
    schema: { params: idParams, body: obj({ for: str }), response: { 200: alertSchema } },
    async handler({ params, body, ctx, principal }) {
      let ms: number;
      try {
        ms = parseDuration(body.for);
      } catch (err) {
        throw invalid('silence', [`for: ${(err as Error).message}`]);
      }
      if (ms <= 0 || ms > 90 * 86_400_000) throw invalid('silence', ['for: must be more than 0 and at most 90d']);
      const done = await ctx.store.alerts.silenceAlert(params.id, new Date(Date.now() + ms).toISOString(), principal!.user.username);
      if (!done) throw notFound(`alert ${params.id}`);
      return done;
    },
  }),
];
