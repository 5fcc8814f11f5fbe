/**
 * Connections: settings are readable, secrets are write-only. Which settings are secret comes from
 * the connector's own settings schema (`"x-secret": true`), the one declaration of the connector;
 * the engine's connection-settings module reads it, so the API and `syncline.yaml` agree.
 */
import type { ConnectionRow } from '../../../store/types.js';
import { decodeSecrets, encodeSecret, secretKeys, validateSettings } from '../../../engine/connection-settings.js';
import { readHealth } from '../../../engine/connection-health.js';
import { ConnectionInUseError, connectionUsage, type ConnectionUse } from '../../../engine/connection-usage.js';
import { explainError } from '../../../core/explain-error.js';
import { ApiError, defineRoute, notFound, type AdminContext, type AnyRoute } from '../route.js';
import { anyJson, arr, checkResultSchema, connectionFormSchema, connectionSchema, connectionTypeSchema, nameParams, obj, okSchema, typeParams } from '../schemas.js';

/** What a connection card shows besides the row: the flows using it and its API budget today. */
interface ConnectionFacts {
  usage: Map<string, ConnectionUse[]>;
  budget: Array<{ connection: string; used: number; limit: number | null; resetAt: number | null }>;
}

async function connectionFacts(ctx: AdminContext): Promise<ConnectionFacts> {
  const [usage, budget] = await Promise.all([connectionUsage(ctx.store), ctx.hub.apiBudget().catch(() => [])]);
  return { usage, budget };
}

async function connectionView(ctx: AdminContext, row: ConnectionRow, facts?: ConnectionFacts) {
  const f = facts ?? (await connectionFacts(ctx));
  const b = f.budget.find((x) => x.connection === row.name);
  const def = ctx.hub.connectors.get(row.type);
  const secret = new Set(def ? secretKeys(def) : []);
  // Defence in depth: even if a secret ended up among plain settings, it is not shown.
  const settings = Object.fromEntries(Object.entries(row.settings).filter(([k]) => !secret.has(k)));
  // Marked by any worker whose call was refused for this connection's credential (shared through the store).
  const health = await readHealth(ctx.store, row.name).catch(() => null);
  return {
    name: row.name,
    type: row.type,
    ...(def ? { label: def.label } : {}),
    settings,
    secretNames: row.secretNames,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastCheck: ctx.checks.get(row.name),
    health,
    usedBy: f.usage.get(row.name) ?? [],
    budget: b ? { used: b.used, limit: b.limit, resetAt: b.resetAt } : null,
  };
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
      return [...ctx.hub.connectors.values()].map((d) => ({
        type: d.type,
        label: d.label,
        description: d.description,
        settingsSchema: d.settingsSchema,
        secretFields: secretKeys(d),
        ...(d.authorization ? { authorization: { label: d.authorization.label, credentialSetting: d.authorization.credentialSetting, impliedSettings: d.authorization.impliedSettings } } : {}),
      }));
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
      const facts = await connectionFacts(ctx);
      return Promise.all((await ctx.store.listConnections()).map((c) => connectionView(ctx, c, facts)));
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
  defineRoute<{ name: string }, Record<string, never>, { type?: string; settings?: Record<string, unknown>; secrets?: Record<string, unknown> }>({
    method: 'POST',
    url: '/connections/:name/authorize',
    access: 'admin',
    summary: 'Start "Connect with …" (OAuth authorization code with PKCE) for a new or existing connection: answers the vendor URL to send the browser to; the vendor returns it to /connections/oauth/callback.',
    tag: 'connections',
    schema: {
      params: nameParams,
      body: obj({ type: { type: 'string' }, settings: settingsBody, secrets: secretsBody }, ['type', 'settings', 'secrets']),
      response: { 200: obj({ authorizeUrl: { type: 'string' } }) },
    },
    async handler({ params, body, ctx, request, principal }) {
      if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(params.name)) throw new ApiError(400, 'invalid_name', `"${params.name}" is not a valid connection name: lower-case letters, digits, _ and -`);
      const existing = await ctx.store.getConnection(params.name);
      const type = existing?.type ?? body.type;
      if (!type) throw new ApiError(400, 'invalid_request', 'type is required for a new connection');
      const def = ctx.hub.connectors.get(type);
      if (!def?.authorization) throw new ApiError(400, 'no_authorization', `a ${type} connection cannot be authorised in the browser; enter its credentials instead`);
      const auth = def.authorization;
      const given = { ...body.settings, ...Object.fromEntries(Object.entries(body.secrets ?? {}).filter(([, v]) => v !== '' && v !== undefined)) };
      const values = { ...(existing ? { ...existing.settings, ...decodeSecrets(existing.secrets) } : {}), ...given, ...auth.impliedSettings };
      // Everything but the credential must already be right: better now than after the round trip.
      prepare(ctx, type, { ...values, [auth.credentialSetting]: 'to be obtained' });
      const redirectUri = `${request.protocol}://${request.host}/api/v1/connections/oauth/callback`;
      const { state, codeChallenge } = ctx.authorizations.start({ username: principal!.user.username, name: params.name, type, values, existing: !!existing, redirectUri });
      return { authorizeUrl: auth.authorizeUrl(values, { redirectUri, state, codeChallenge }) };
    },
  }),
  defineRoute<Record<string, never>, { state?: string; code?: string; error?: string; error_description?: string }>({
    method: 'GET',
    url: '/connections/oauth/callback',
    access: 'admin',
    summary: 'Where the vendor returns the browser after "Connect with …": redeems the code (with the PKCE verifier), saves the connection with its new credential and sends the browser to the Connections page.',
    tag: 'connections',
    schema: {
      querystring: obj({ state: { type: 'string' }, code: { type: 'string' }, error: { type: 'string' }, error_description: { type: 'string' } }, ['state', 'code', 'error', 'error_description']),
      response: { 302: anyJson },
    },
    async handler({ query, ctx, reply, principal, audit }) {
      const back = (params: Record<string, string>) => reply.redirect(`/connections?${new URLSearchParams(params).toString()}`, 302);
      const pending = query.state ? ctx.authorizations.take(query.state) : null;
      if (!pending || pending.username !== principal!.user.username) return back({ authorizeError: 'This authorisation is unknown or expired (10 minutes): start it again.' });
      if (query.error || !query.code) return back({ connection: pending.name, authorizeError: `The vendor did not authorise the connection: ${query.error_description ?? query.error ?? 'no code returned'}.` });
      const def = ctx.hub.connectors.get(pending.type)!;
      let credential: Record<string, unknown>;
      try {
        credential = await def.authorization!.redeemCode(pending.values, { code: query.code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier });
      } catch (err) {
        return back({ connection: pending.name, authorizeError: `The code could not be redeemed: ${explainError((err as Error).message)}` });
      }
      const { plain, secret } = prepare(ctx, pending.type, { ...pending.values, ...credential });
      await ctx.hub.writeConnection({ name: pending.name, type: pending.type, settings: plain, secrets: secret }, principal!.user.username);
      ctx.checks.forget(pending.name);
      await audit('connection.authorize', `connection:${pending.name}`, { type: pending.type, created: !pending.existing });
      return back({ authorized: pending.name });
    },
  }),
  defineRoute<{ name: string }>({
    method: 'DELETE',
    url: '/connections/:name',
    access: 'admin',
    summary: 'Delete a connection; refused (409, naming the flows) while a flow uses it.',
    tag: 'connections',
    schema: { params: nameParams, response: { 200: okSchema } },
    async handler({ params, ctx, principal }) {
      let deleted: boolean;
      try {
        deleted = await ctx.hub.deleteConnection(params.name, principal!.user.username);
      } catch (err) {
        if (err instanceof ConnectionInUseError) throw new ApiError(409, 'in_use', err.message, { flows: err.uses.map((u) => u.flow) });
        throw err;
      }
      if (!deleted) throw notFound(`connection "${params.name}"`);
      ctx.checks.forget(params.name);
      return { ok: true };
    },
  }),
];
