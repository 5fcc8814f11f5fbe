/** Flows: list, show (with the readable mapping table), versions, diff, deploy, pause, resume, run now, preview. */
import type { FlowDef } from '../../../core/flow.js';
import type { Fields } from '../../../core/json.js';
import type { FlowRow, FlowVersionRow } from '../../../store/types.js';
import { flowSourceProblem } from '../../../engine/flow-loader.js';
import { redactFlowDefinition, redactFlowSource } from '../../../engine/flow-secrets.js';
import { lineDiff, unifiedDiff } from '../flow-diff.js';
import { mappingTable } from '../mapping-table.js';
import { ApiError, defineRoute, notFound, type AdminContext, type AnyRoute } from '../route.js';
import {
  arr,
  diffSchema,
  flowDetailSchema,
  flowSummarySchema,
  flowVersionSchema,
  flowVersionWithSourceSchema,
  issueSchema,
  nameParams,
  obj,
  previewSchema,
} from '../schemas.js';

function summary(flow: FlowRow, version: FlowVersionRow | null) {
  const def = (version?.definition ?? {}) as unknown as Partial<FlowDef>;
  return {
    name: flow.name,
    status: flow.status,
    currentVersion: flow.currentVersion,
    updatedAt: flow.updatedAt,
    ...(def.description ? { description: def.description } : {}),
    trigger: def.trigger?.type ?? 'unknown',
    ...(def.trigger?.type === 'webhook' && !def.trigger.secret ? { unsigned: true } : {}),
    source: def.source ? `${def.source.connection} ${def.source.entity}` : '',
    targets: (def.targets ?? []).map((t) => `${t.connection} ${t.entity}`),
  };
}

function versionView(v: FlowVersionRow) {
  return { flow: v.flow, version: v.version, hash: v.hash, deployedAt: v.deployedAt, deployedBy: v.deployedBy };
}

async function mustFlow(ctx: AdminContext, name: string): Promise<FlowRow> {
  const flow = await ctx.store.getFlow(name);
  if (!flow) throw notFound(`flow "${name}"`);
  return flow;
}

async function mustVersion(ctx: AdminContext, name: string, version: number): Promise<FlowVersionRow> {
  const v = await ctx.store.getFlowVersion(name, version);
  if (!v) throw notFound(`version ${version} of flow "${name}"`);
  return v;
}

const versionParams = obj({ name: { type: 'string', minLength: 1 }, version: { type: 'integer', minimum: 1 } });
/** The deploy body: the YAML text itself (text/yaml) or `{ "source": "<yaml>" }`. */
const deployBody = { anyOf: [{ type: 'string', minLength: 1 }, obj({ source: { type: 'string', minLength: 1 } })] };
const sourceOf = (body: string | { source: string }): string => (typeof body === 'string' ? body : body.source);
/** The flow text of a deploy or validate body, refused with 400 and the reason when it is too big, too deeply nested or its aliases expand too far (before it costs time or memory). */
function boundedSource(body: string | { source: string }): string {
  const source = sourceOf(body);
  const problem = flowSourceProblem(source);
  if (problem) throw new ApiError(400, 'invalid_request', problem);
  return source;
}
const invalidFlow = (issues: unknown[]) => new ApiError(422, 'invalid_flow', `the flow file has ${issues.length} problem(s)`, { issues: issues as never });

/** The flow routes. */
export const flowRoutes: AnyRoute[] = [
  defineRoute({
    method: 'GET',
    url: '/flows',
    access: 'viewer',
    summary: 'Every flow with its status, current version, trigger, source and targets.',
    tag: 'flows',
    schema: { response: { 200: arr(flowSummarySchema) } },
    async handler({ ctx }) {
      const flows = await ctx.store.listFlows();
      return Promise.all(flows.map(async (f) => summary(f, await ctx.store.getFlowVersion(f.name, f.currentVersion))));
    },
  }),
  defineRoute<{ name: string }, { version?: number }>({
    method: 'GET',
    url: '/flows/:name',
    access: 'viewer',
    summary: 'One flow: its current (or a chosen) version\'s YAML, definition and mapping as source → rule → target rows.',
    tag: 'flows',
    schema: { params: nameParams, querystring: obj({ version: { type: 'integer', minimum: 1 } }, ['version']), response: { 200: flowDetailSchema } },
    async handler({ params, query, ctx }) {
      const flow = await mustFlow(ctx, params.name);
      const v = await mustVersion(ctx, params.name, query.version ?? flow.currentVersion);
      return { flow: summary(flow, v), version: { ...versionView(v), source: redactFlowSource(v.source) }, definition: redactFlowDefinition(v.definition), mapping: mappingTable(v.definition as unknown as FlowDef) };
    },
  }),
  defineRoute<{ name: string }>({
    method: 'GET',
    url: '/flows/:name/versions',
    access: 'viewer',
    summary: 'Every deployed version of a flow, newest first.',
    tag: 'flows',
    schema: { params: nameParams, response: { 200: arr(flowVersionSchema) } },
    async handler({ params, ctx }) {
      await mustFlow(ctx, params.name);
      return (await ctx.store.listFlowVersions(params.name)).map(versionView).sort((a, b) => b.version - a.version);
    },
  }),
  defineRoute<{ name: string; version: number }>({
    method: 'GET',
    url: '/flows/:name/versions/:version',
    access: 'viewer',
    summary: 'One version of a flow with its YAML text.',
    tag: 'flows',
    schema: { params: versionParams, response: { 200: flowVersionWithSourceSchema } },
    async handler({ params, ctx }) {
      const v = await mustVersion(ctx, params.name, params.version);
      return { ...versionView(v), source: redactFlowSource(v.source) };
    },
  }),
  defineRoute<{ name: string }, { from: number; to?: number }>({
    method: 'GET',
    url: '/flows/:name/diff',
    access: 'viewer',
    summary: 'Line diff of two versions\' YAML (`to` defaults to the current version).',
    tag: 'flows',
    schema: {
      params: nameParams,
      querystring: obj({ from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } }, ['to']),
      response: { 200: diffSchema },
    },
    async handler({ params, query, ctx }) {
      const flow = await mustFlow(ctx, params.name);
      const to = query.to ?? flow.currentVersion;
      const [a, b] = await Promise.all([mustVersion(ctx, params.name, query.from), mustVersion(ctx, params.name, to)]);
      const [older, newer] = [redactFlowSource(a.source), redactFlowSource(b.source)];
      return { flow: params.name, from: a.version, to: b.version, lines: lineDiff(older, newer), unified: unifiedDiff(params.name, a.version, b.version, older, newer) };
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, string | { source: string }>({
    method: 'POST',
    url: '/flows/validate',
    access: 'viewer',
    summary: 'Validate a flow file without deploying it, every entity and field name checked against the discovered schemas; returns every problem with line, column and the closest real name.',
    tag: 'flows',
    extraBodyTypes: ['text/yaml', 'application/yaml', 'text/plain'],
    schema: { body: deployBody, response: { 200: obj({ valid: { type: 'boolean' }, issues: arr(issueSchema) }) } },
    async handler({ body, ctx }) {
      // Names are checked against the connections' discovered schemas too, as deploy checks them.
      const issues = await ctx.hub.validateFlowNames(boundedSource(body));
      return { valid: issues.length === 0, issues };
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, string | { source: string }>({
    method: 'POST',
    url: '/flows',
    access: 'admin',
    summary: 'Deploy a flow file (YAML). Identical text makes no new version. 422 with located issues when invalid.',
    tag: 'flows',
    extraBodyTypes: ['text/yaml', 'application/yaml', 'text/plain'],
    schema: { body: deployBody, response: { 200: obj({ version: flowVersionSchema, created: { type: 'boolean' } }) } },
    async handler({ body, ctx, principal }) {
      const source = boundedSource(body);
      const issues = ctx.hub.validateFlow(source);
      if (issues.length) throw invalidFlow(issues);
      let result;
      try {
        result = await ctx.hub.deployFlow(source, principal!.user.username);
      } catch (err) {
        const located = (err as { issues?: unknown[] }).issues;
        if (Array.isArray(located)) throw invalidFlow(located);
        throw err;
      }
      return { version: versionView(result.version), created: result.created };
    },
  }),
  ...(['pause', 'resume'] as const).map((verb) =>
    defineRoute<{ name: string }>({
      method: 'POST',
      url: `/flows/:name/${verb}`,
      access: 'operator',
      summary: verb === 'pause' ? 'Pause a flow: events are still taken in but no jobs run until resumed.' : 'Resume a paused flow.',
      tag: 'flows',
      schema: { params: nameParams, response: { 200: flowSummarySchema } },
      async handler({ params, ctx, principal }) {
        await mustFlow(ctx, params.name);
        // The store audits the status change (flow.status) with the actor.
        await ctx.store.setFlowStatus(params.name, verb === 'pause' ? 'paused' : 'active', principal!.user.username);
        const flow = await mustFlow(ctx, params.name);
        return summary(flow, await ctx.store.getFlowVersion(flow.name, flow.currentVersion));
      },
    }),
  ),
  defineRoute<{ name: string }>({
    method: 'POST',
    url: '/flows/:name/run',
    access: 'operator',
    summary: 'Run a flow now (a poll or a full read, as its trigger says); the handle is awaited with `GET /runs/handles/{handle}?wait=…`.',
    tag: 'flows',
    schema: { params: nameParams, response: { 202: obj({ jobId: { type: 'string' }, handle: { type: 'string' }, statusUrl: { type: 'string' } }) } },
    async handler({ params, ctx, principal, reply }) {
      await mustFlow(ctx, params.name);
      // The hub records the run request (flow.run) in the audit log with the actor.
      const { jobId } = await ctx.hub.runFlowNow(params.name, principal!.user.username);
      reply.code(202);
      return { jobId, handle: jobId, statusUrl: `/api/v1/runs/handles/${jobId}` };
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { sample: Fields; version?: number }>({
    method: 'POST',
    url: '/flows/:name/preview',
    access: 'viewer',
    summary: 'Run the mapping over a sample record without writing anything: mapped fields, lineage and validation errors per target.',
    tag: 'flows',
    schema: {
      params: nameParams,
      body: obj({ sample: { type: 'object', additionalProperties: true }, version: { type: 'integer', minimum: 1 } }, ['version']),
      response: { 200: previewSchema },
    },
    async handler({ params, body, ctx }) {
      await mustFlow(ctx, params.name);
      // The preview result may hold Dates or decimals; the wire wants plain JSON.
      return JSON.parse(JSON.stringify(await ctx.hub.previewMapping(params.name, body.sample, body.version)));
    },
  }),
];
