/**
 * Connections: settings are readable, secrets are write-only. Which settings are secret comes from
 * the connector's own settings schema (`"x-secret": true`), the one declaration of the connector;
 * the engine's connection-settings module reads it, so the API and `syncline.yaml` agree.
 */
import type { ConnectionRow } from '../../../store/types.js';
import { decodeSecrets, encodeSecret, secretKeys, validateSettings } from '../../../engine/connection-settings.js';
import { readHealth } from '../../../engine/connection-health.js';
import { ApiError, defineRoute, notFound, type AdminContext, type AnyRoute } from '../route.js';
import { arr, checkResultSchema, connectionFormSchema, connectionSchema, connectionTypeSchema, nameParams, obj, okSchema, typeParams } from '../schemas.js';

async function connectionView(ctx: AdminContext, row: ConnectionRow) {
  const def = ctx.hub.connectors.get(row.type);
  const secret = new Set(def ? secretKeys(def) : []);
  // Defence in depth: even if a secret ended up among plain settings, it is not shown.
  const settings = Object.fromEntries(Object.entries(row.settings).filter(([k]) => !secret.has(k)));
  // Marked by any worker whose call was refused for this connection's credential (shared through the store).
  const health = await readHealth(ctx.store, row.name).catch(() => null);
  return { name: row.name, type: row.type, ...(def ? { label: def.label } : {}), settings, secretNames: row.secretNames, createdAt: row.createdAt, updatedAt: row.updatedAt, lastCheck: ctx.checks.get(row.name), health };
}

// Validates all values against the connector's schema (the one declaration), then splits the secret ones out.
function prepare(ctx: AdminContext, type: string, values: Record<string, unknown>) {
  const def = ctx.hub.connectors.get(type);
  if (!def) throw new ApiError(400, 'unknown_type', `unknown connection type "${type}"; known: ${[...ctx.hub.connectors.keys()].join(', ')}`);
  const problems = validateSettings(def, values);
  if (problems.length) {
    const issues = problems.map((p) => ({ path: p.split(':')[0], message: p }));
    throw new ApiError(400, 'invalid_settings', `the settings do not fit a ${type} connection: ${problems.join('; ')}`, { issues });
  }
  const secretNames = new Set(secretKeys(def));
  const plain: Record<string, unknown> = {};
  const secret: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (secretNames.has(k)) {
      if (v !== undefined && v !== null) secret[k] = encodeSecret(v);
    } else plain[k] = v;
  }
  return { plain, secret };
}

const settingsBody = { type: 'object', additionalProperties: true };
const secretsBody = { type: 'object', additionalProperties: true };

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
      return [...ctx.hub.connectors.values()].map((d) => ({ type: d.type, label: d.label, description: d.description, settingsSchema: d.settingsSchema, secretFields: secretKeys(d) }));
    },
  }),
  defineRoute<{ type: string }>({
    method: 'GET',
    url: '/connection-types/:type/form',
    access: 'viewer',
    summary: 'What a connection form needs for one connector type: each setting with its type, title, help text, required, secret, choices and default, from the connector\'s settings declaration.',
    tag: 'connections',
    schema: { params: typeParams, response: { 200: connectionFormSchema } },
    async handler({ params, ctx }) {
      const def = ctx.hub.connectors.get(params.type);
      if (!def) throw notFound(`connection type "${params.type}"`);
      // Unset optional facts are left out rather than sent as null.
      const fields = def.settings.fields.map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
      return { type: def.type, label: def.label, description: def.description, fields };
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
      return Promise.all((await ctx.store.listConnections()).map((c) => connectionView(ctx, c)));
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
      return await connectionView(ctx, rest);
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { name: string; type: string; settings?: Record<string, unknown>; secrets?: Record<string, unknown> }>({
    method: 'POST',
    url: '/connections',
    access: 'admin',
    summary: 'Create a connection. Secrets are encrypted at rest and never returned.',
    tag: 'connections',
    schema: {
      body: obj({ name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' }, type: { type: 'string' }, settings: settingsBody, secrets: secretsBody }, ['settings', 'secrets']),
      response: { 201: connectionSchema },
    },
    async handler({ body, ctx, reply, principal }) {
      if (await ctx.store.getConnection(body.name)) throw new ApiError(409, 'exists', `connection "${body.name}" already exists`);
      const { plain, secret } = prepare(ctx, body.type, { ...body.settings, ...body.secrets });
      // The store writes the audit row (names of secrets only) in the same transaction.
      const row = await ctx.hub.writeConnection({ name: body.name, type: body.type, settings: plain, secrets: secret }, principal!.user.username);
      reply.code(201);
      return await connectionView(ctx, row);
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { settings: Record<string, unknown> }>({
    method: 'PUT',
    url: '/connections/:name',
    access: 'admin',
    summary: 'Replace a connection\'s plain settings; its secrets are kept.',
    tag: 'connections',
    schema: { params: nameParams, body: obj({ settings: settingsBody }), response: { 200: connectionSchema } },
    async handler({ params, body, ctx, principal }) {
      const existing = await ctx.store.getConnection(params.name);
      if (!existing) throw notFound(`connection "${params.name}"`);
      const { plain, secret } = prepare(ctx, existing.type, { ...body.settings, ...decodeSecrets(existing.secrets) });
      const row = await ctx.hub.writeConnection({ name: params.name, type: existing.type, settings: plain, secrets: secret }, principal!.user.username);
      return await connectionView(ctx, row);
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { secrets: Record<string, unknown> }>({
    method: 'POST',
    url: '/connections/:name/secrets',
    access: 'admin',
    summary: 'Rotate secrets: set the given secret values (others are kept). Values are never returned.',
    tag: 'connections',
    schema: { params: nameParams, body: obj({ secrets: { ...secretsBody, minProperties: 1 } }), response: { 200: connectionSchema } },
    async handler({ params, body, ctx, principal }) {
      const existing = await ctx.store.getConnection(params.name);
      if (!existing) throw notFound(`connection "${params.name}"`);
      const def = ctx.hub.connectors.get(existing.type);
      const allowed = new Set(def ? secretKeys(def) : []);
      const unknown = Object.keys(body.secrets).filter((k) => !allowed.has(k));
      if (unknown.length) throw new ApiError(400, 'unknown_secret', `not a secret of a ${existing.type} connection: ${unknown.join(', ')}`);
      const { plain, secret } = prepare(ctx, existing.type, { ...existing.settings, ...decodeSecrets(existing.secrets), ...body.secrets });
      const row = await ctx.hub.writeConnection({ name: params.name, type: existing.type, settings: plain, secrets: secret }, principal!.user.username);
      ctx.checks.forget(params.name);
      return await connectionView(ctx, row);
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
    async handler({ params, ctx, principal }) {
      if (!(await ctx.hub.deleteConnection(params.name, principal!.user.username))) throw notFound(`connection "${params.name}"`);
      ctx.checks.forget(params.name);
      return { ok: true };
    },
  }),
];
