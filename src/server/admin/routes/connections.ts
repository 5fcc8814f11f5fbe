/**
 * Connections: settings are readable, secrets are write-only. Which settings are secret comes from
 * the connector's own settings schema (`"x-secret": true`), the one declaration of the connector.
 */
import { Ajv } from 'ajv';
import type { ConnectorDefinition } from '../../../core/connector.js';
import type { ConnectionRow } from '../../../store/types.js';
import { ApiError, defineRoute, notFound, type AdminContext, type AnyRoute } from '../route.js';
import { arr, checkResultSchema, connectionSchema, connectionTypeSchema, nameParams, obj, okSchema } from '../schemas.js';

const settingsAjv = new Ajv({ allErrors: true, strict: false });

/** Names of the settings the connector marks secret. */
export function secretFields(def: ConnectorDefinition | undefined): string[] {
  const props = (def?.settingsSchema as { properties?: Record<string, { 'x-secret'?: boolean }> } | undefined)?.properties ?? {};
  return Object.entries(props)
    .filter(([, p]) => p && p['x-secret'] === true)
    .map(([k]) => k);
}

function connectionView(ctx: AdminContext, row: ConnectionRow) {
  const def = ctx.hub.connectors.get(row.type);
  const secret = new Set(secretFields(def));
  // Defence in depth: even if a secret ended up among plain settings, it is not shown.
  const settings = Object.fromEntries(Object.entries(row.settings).filter(([k]) => !secret.has(k)));
  return { name: row.name, type: row.type, ...(def ? { label: def.label } : {}), settings, secretNames: row.secretNames, createdAt: row.createdAt, updatedAt: row.updatedAt, lastCheck: ctx.checks.get(row.name) };
}

// Splits submitted values into plain settings and secrets, then validates the whole against the connector's schema.
function prepare(ctx: AdminContext, type: string, settings: Record<string, unknown>, secrets: Record<string, string>) {
  const def = ctx.hub.connectors.get(type);
  if (!def) throw new ApiError(400, 'unknown_type', `unknown connection type "${type}"; known: ${[...ctx.hub.connectors.keys()].join(', ')}`);
  const secretNames = new Set(secretFields(def));
  const plain: Record<string, unknown> = {};
  const secret: Record<string, string> = { ...secrets };
  for (const [k, v] of Object.entries(settings)) {
    if (secretNames.has(k)) secret[k] = String(v);
    else plain[k] = v;
  }
  const validate = settingsAjv.compile(def.settingsSchema);
  if (!validate({ ...plain, ...secret })) {
    const issues = (validate.errors ?? []).map((e) => ({ path: e.instancePath.replace(/^\//, '') || String((e.params as { missingProperty?: string }).missingProperty ?? ''), message: e.message ?? 'invalid' }));
    throw new ApiError(400, 'invalid_settings', `the settings do not fit a ${type} connection: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, { issues });
  }
  return { plain, secret };
}

const settingsBody = { type: 'object', additionalProperties: true };
const secretsBody = { type: 'object', additionalProperties: { type: 'string' } };

/** The connection routes. */
export const connectionRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET',
    url: '/connection-types',
    access: 'viewer',
    summary: 'The connector types this server knows, with their settings schema (secret fields marked).',
    tag: 'connections',
    schema: { response: { 200: arr(connectionTypeSchema) } },
    async handler({ ctx }) {
      return [...ctx.hub.connectors.values()].map((d) => ({ type: d.type, label: d.label, description: d.description, settingsSchema: d.settingsSchema, secretFields: secretFields(d) }));
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/connections',
    access: 'viewer',
    summary: 'Every connection with its settings, the names of its secrets and its last test result.',
    tag: 'connections',
    schema: { response: { 200: arr(connectionSchema) } },
    async handler({ ctx }) {
      return (await ctx.store.listConnections()).map((c) => connectionView(ctx, c));
    },
  }),
  defineRoute<{ name: string }>({
    method: 'GET',
    url: '/connections/:name',
    access: 'viewer',
    summary: 'One connection (secret values are never returned).',
    tag: 'connections',
    schema: { params: nameParams, response: { 200: connectionSchema } },
    async handler({ params, ctx }) {
      const row = await ctx.store.getConnection(params.name);
      if (!row) throw notFound(`connection "${params.name}"`);
      const { secrets: _secrets, ...rest } = row;
      return connectionView(ctx, rest);
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { name: string; type: string; settings?: Record<string, unknown>; secrets?: Record<string, string> }>({
    method: 'POST',
    url: '/connections',
    access: 'admin',
    summary: 'Create a connection. Secrets are encrypted at rest and never returned.',
    tag: 'connections',
    schema: {
      body: obj({ name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }, type: { type: 'string' }, settings: settingsBody, secrets: secretsBody }, ['settings', 'secrets']),
      response: { 201: connectionSchema },
    },
    async handler({ body, ctx, reply, audit }) {
      if (await ctx.store.getConnection(body.name)) throw new ApiError(409, 'exists', `connection "${body.name}" already exists`);
      const { plain, secret } = prepare(ctx, body.type, body.settings ?? {}, body.secrets ?? {});
      const row = await ctx.store.putConnection({ name: body.name, type: body.type, settings: plain, secrets: secret });
      await audit('connection.create', `connection:${body.name}`, { type: body.type, settings: Object.keys(plain), secrets: Object.keys(secret) });
      reply.code(201);
      return connectionView(ctx, row);
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { settings: Record<string, unknown> }>({
    method: 'PUT',
    url: '/connections/:name',
    access: 'admin',
    summary: 'Replace a connection\'s plain settings; its secrets are kept.',
    tag: 'connections',
    schema: { params: nameParams, body: obj({ settings: settingsBody }), response: { 200: connectionSchema } },
    async handler({ params, body, ctx, audit }) {
      const existing = await ctx.store.getConnection(params.name);
      if (!existing) throw notFound(`connection "${params.name}"`);
      const { plain, secret } = prepare(ctx, existing.type, body.settings, existing.secrets);
      const row = await ctx.store.putConnection({ name: params.name, type: existing.type, settings: plain, secrets: secret });
      await audit('connection.update', `connection:${params.name}`, { settings: Object.keys(plain) });
      return connectionView(ctx, row);
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { secrets: Record<string, string> }>({
    method: 'POST',
    url: '/connections/:name/secrets',
    access: 'admin',
    summary: 'Rotate secrets: set the given secret values (others are kept). Values are never returned.',
    tag: 'connections',
    schema: { params: nameParams, body: obj({ secrets: { ...secretsBody, minProperties: 1 } }), response: { 200: connectionSchema } },
    async handler({ params, body, ctx, audit }) {
      const existing = await ctx.store.getConnection(params.name);
      if (!existing) throw notFound(`connection "${params.name}"`);
      const allowed = new Set(secretFields(ctx.hub.connectors.get(existing.type)));
      const unknown = Object.keys(body.secrets).filter((k) => allowed.size > 0 && !allowed.has(k));
      if (unknown.length) throw new ApiError(400, 'unknown_secret', `not a secret of a ${existing.type} connection: ${unknown.join(', ')}`);
      const { plain, secret } = prepare(ctx, existing.type, existing.settings, { ...existing.secrets, ...body.secrets });
      const row = await ctx.store.putConnection({ name: params.name, type: existing.type, settings: plain, secrets: secret });
      ctx.checks.forget(params.name);
      await audit('connection.rotate_secrets', `connection:${params.name}`, { secrets: Object.keys(body.secrets) });
      return connectionView(ctx, row);
    },
  }),
  defineRoute<{ name: string }>({
    method: 'POST',
    url: '/connections/:name/test',
    access: 'operator',
    summary: 'Test a connection (credentials and reachability); changes nothing on the system.',
    tag: 'connections',
    schema: { params: nameParams, response: { 200: checkResultSchema } },
    async handler({ params, ctx, audit }) {
      if (!(await ctx.store.getConnection(params.name))) throw notFound(`connection "${params.name}"`);
      let result;
      try {
        result = await ctx.hub.testConnection(params.name);
      } catch (err) {
        result = { ok: false, message: (err as Error).message };
      }
      const check = ctx.checks.record(params.name, result);
      await audit('connection.test', `connection:${params.name}`, { ok: check.ok });
      return check;
    },
  }),
  defineRoute<{ name: string }>({
    method: 'DELETE',
    url: '/connections/:name',
    access: 'admin',
    summary: 'Delete a connection.',
    tag: 'connections',
    schema: { params: nameParams, response: { 200: okSchema } },
    async handler({ params, ctx, audit }) {
      if (!(await ctx.store.deleteConnection(params.name))) throw notFound(`connection "${params.name}"`);
      ctx.checks.forget(params.name);
      await audit('connection.delete', `connection:${params.name}`);
      return { ok: true };
    },
  }),
];
