/**
 * Building and promoting flows: the deploy plan (diff against the live version and every problem,
 * names checked against discovered schemas), rollback, a draft's mapping preview, connection schemas
 * and sample records for the editor, mapping suggestions, templates, and bundle export and import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FieldSpec } from '../../../core/connector.js';
import type { FlowDef } from '../../../core/flow.js';
import type { Fields } from '../../../core/json.js';
import { applyImport, BundleError, exportBundle, planImport, readBundle, type FlowBundle, type ImportPlan } from '../../../engine/flow-bundle.js';
import { flowSourceProblem, loadFlow } from '../../../engine/flow-loader.js';
import { redactFlowSource } from '../../../engine/flow-secrets.js';
import { FUNCTION_CATALOGUE, suggestMappings } from '../../../mapping/index.js';
import { TEMPLATE_FLOWS_DIR } from '../../paths.js';
import { lineDiff, unifiedDiff } from '../flow-diff.js';
import { ApiError, defineRoute, notFound, type AnyRoute } from '../route.js';
import { arr, flowVersionSchema, issueSchema, nameParams, obj, previewSchema } from '../schemas.js';

const str = { type: 'string' };
const openObject = { type: 'object', additionalProperties: true };
const diffLines = arr(obj({ op: { type: 'string', enum: ['same', 'add', 'remove'] }, text: str, oldLine: { type: ['integer', 'null'] }, newLine: { type: ['integer', 'null'] } }));
const sourceBody = obj({ source: { type: 'string', minLength: 1 } });

/** The flow text of a body, refused with 400 when too big or too deeply nested (as deploy does). */
function bounded(source: string): string {
  const problem = flowSourceProblem(source);
  if (problem) throw new ApiError(400, 'invalid_request', problem);
  return source;
}

const planSchema = obj(
  {
    flow: str,
    action: { type: 'string', enum: ['create', 'update', 'unchanged', 'invalid'] },
    liveVersion: { type: ['integer', 'null'] },
    issues: arr(issueSchema),
    lines: diffLines,
    unified: str,
  },
  ['flow'],
);

const entitySchema = { type: 'object', additionalProperties: true, required: ['name', 'fields'], properties: { name: str, fields: arr(openObject) } };
const connectionSchemaSchema = obj({ connection: str, type: str, source: { type: 'string', enum: ['live', 'cache', 'declared'] }, discoveredAt: str, entities: arr(entitySchema) }, ['discoveredAt']);
const suggestionSchema = obj({ target: str, source: str, confidence: { type: 'number' }, reasons: arr(str) });
const importItemSchema = obj({ flow: str, action: { type: 'string', enum: ['create', 'update', 'unchanged'] }, liveVersion: { type: ['integer', 'null'] }, issues: arr(issueSchema), lines: diffLines });
const importSchema = obj(
  { items: arr(importItemSchema), problems: arr(str), connections: { type: 'object', additionalProperties: str }, applied: { type: 'boolean' }, deployed: arr(obj({ flow: str, version: { type: 'integer' }, created: { type: 'boolean' } })) },
  ['deployed'],
);

function describePlan(plan: ImportPlan, applied: boolean, deployed?: Array<{ flow: string; version: number; created: boolean }>) {
  return {
    items: plan.items.map((i) => ({ flow: i.flow, action: i.action, liveVersion: i.liveVersion, issues: i.issues, lines: lineDiff(redactFlowSource(i.liveSource), redactFlowSource(i.source)) })),
    problems: plan.problems,
    connections: plan.connections,
    applied,
    ...(deployed ? { deployed } : {}),
  };
}

/** The flow-building routes. */
export const flowBuildingRoutes: AnyRoute[] = [
  defineRoute<Record<string, never>, Record<string, never>, { source: string }>({
    method: 'POST',
    url: '/flows/plan',
    access: 'viewer',
    summary: 'What deploying this flow text would do: the diff against the live version and every problem (names checked against the connections\' discovered schemas). Deploys nothing.',
    tag: 'flows',
    schema: { body: sourceBody, response: { 200: planSchema } },
    async handler({ body, ctx }) {
      const source = bounded(body.source);
      const issues = await ctx.hub.validateFlowNames(source);
      const loaded = loadFlow(source);
      if (!loaded.ok) return { flow: '', action: 'invalid', liveVersion: null, issues, lines: [], unified: '' };
      const name = loaded.flow.def.name;
      const live = await ctx.store.getFlow(name);
      const liveRow = live ? await ctx.store.getFlowVersion(name, live.currentVersion) : null;
      const older = redactFlowSource(liveRow?.source ?? '');
      const newer = redactFlowSource(source);
      const action = issues.length ? 'invalid' : !liveRow ? 'create' : liveRow.hash === loaded.flow.hash ? 'unchanged' : 'update';
      return { flow: name, action, liveVersion: liveRow?.version ?? null, issues, lines: lineDiff(older, newer), unified: unifiedDiff(name, liveRow?.version ?? 0, (liveRow?.version ?? 0) + 1, older, newer) };
    },
  }),
  defineRoute<{ name: string }, Record<string, never>, { version: number }>({
    method: 'POST',
    url: '/flows/:name/rollback',
    access: 'admin',
    summary: 'Roll back to an earlier version: deploys a new version equal to it (checked like any deploy).',
    tag: 'flows',
    schema: { params: nameParams, body: obj({ version: { type: 'integer', minimum: 1 } }), response: { 200: obj({ version: flowVersionSchema, created: { type: 'boolean' }, from: { type: 'integer' } }) } },
    async handler({ params, body, ctx, principal }) {
      const flow = await ctx.store.getFlow(params.name);
      if (!flow) throw notFound(`flow "${params.name}"`);
      if (!(await ctx.store.getFlowVersion(params.name, body.version))) throw notFound(`version ${body.version} of flow "${params.name}"`);
      let out;
      try {
        out = await ctx.hub.rollbackFlow(params.name, body.version, principal!.user.username);
      } catch (err) {
        const issues = (err as { issues?: unknown[] }).issues;
        if (Array.isArray(issues)) throw new ApiError(422, 'invalid_flow', `version ${body.version} no longer passes the deploy checks`, { issues: issues as never });
        throw err;
      }
      const v = out.version;
      return { version: { flow: v.flow, version: v.version, hash: v.hash, deployedAt: v.deployedAt, deployedBy: v.deployedBy }, created: out.created, from: flow.currentVersion };
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { source: string; sample: Fields }>({
    method: 'POST',
    url: '/flows/preview',
    access: 'viewer',
    summary: "Run a flow text's mapping (not yet deployed: the editor's draft) over a sample record: mapped fields, each value's why, validation errors. Writes nothing.",
    tag: 'flows',
    schema: {
      body: obj({ source: { type: 'string', minLength: 1 }, sample: openObject }),
      response: { 200: obj({ preview: { anyOf: [previewSchema, { type: 'null' }] }, issues: arr(issueSchema) }) },
    },
    async handler({ body, ctx }) {
      const out = await ctx.hub.previewFlowSource(bounded(body.source), body.sample);
      return JSON.parse(JSON.stringify(out));
    },
  }),
  defineRoute<{ name: string }, { refresh?: boolean }>({
    method: 'GET',
    url: '/connections/:name/schema',
    access: 'viewer',
    summary: "A connection's entities and fields with types, lengths and required flags: this process's or the stored discovery, else a live one (`refresh=true` asks the system now).",
    tag: 'connections',
    schema: { params: nameParams, querystring: obj({ refresh: { type: 'boolean' } }, ['refresh']), response: { 200: connectionSchemaSchema } },
    async handler({ params, query, ctx }) {
      let schema;
      try {
        schema = await ctx.hub.connectionSchema(params.name, { refresh: query.refresh === true });
      } catch (err) {
        throw new ApiError(502, 'discovery_failed', `cannot discover connection "${params.name}": ${(err as Error).message}`);
      }
      if (!schema) throw notFound(`connection "${params.name}"`);
      return JSON.parse(JSON.stringify(schema));
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { source: { connection: string; entity: string }; target: { connection: string; entity: string }; mapped?: string[]; samples?: Fields[] }>({
    method: 'POST',
    url: '/mapping/suggest',
    access: 'viewer',
    summary: 'Suggest source fields for the unmapped fields of a target entity, ranked by name, type, length and the sample values, each with its reasons and confidence. Applies nothing.',
    tag: 'flows',
    schema: {
      body: obj(
        {
          source: obj({ connection: str, entity: str }),
          target: obj({ connection: str, entity: str }),
          mapped: arr(str),
          samples: { type: 'array', maxItems: 200, items: openObject },
        },
        ['mapped', 'samples'],
      ),
      response: { 200: obj({ suggestions: arr(suggestionSchema) }) },
    },
    async handler({ body, ctx }) {
      const fieldsOf = async (c: { connection: string; entity: string }): Promise<FieldSpec[]> => {
        const schema = await ctx.hub.connectionSchema(c.connection);
        if (!schema) throw notFound(`connection "${c.connection}"`);
        const entity = schema.entities.find((e) => e.name === c.entity);
        if (!entity) throw notFound(`entity "${c.entity}" on connection "${c.connection}"`);
        return entity.fields;
      };
      const [sourceFields, targetFields] = await Promise.all([fieldsOf(body.source), fieldsOf(body.target)]);
      // Sample records may name fields the schema does not list (an open HTTP entity): profile those too.
      const known = new Set(sourceFields.map((f) => f.name));
      const extra = [...new Set((body.samples ?? []).flatMap((s) => Object.keys(s)))].filter((k) => !known.has(k)).map((name): FieldSpec => ({ name, type: 'string' }));
      return { suggestions: suggestMappings({ sourceFields: [...sourceFields, ...extra], targetFields, mapped: body.mapped, samples: body.samples }) };
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/mapping/functions',
    access: 'viewer',
    summary: "The domain function library (emails, phones, addresses, dates, money, Sage codes) with each function's parameters, for the mapping editor.",
    tag: 'flows',
    schema: { response: { 200: arr(obj({ name: str, summary: str, params: arr(obj({ name: str, help: str })) })) } },
    async handler() {
      return FUNCTION_CATALOGUE;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/flow-templates',
    access: 'viewer',
    summary: 'The flow templates shipped with Syncline (the journeys), to start a flow from in the editor.',
    tag: 'flows',
    schema: { response: { 200: arr(obj({ file: str, name: str, description: str, source: str }, ['description'])) } },
    async handler() {
      const out = [];
      for (const dir of ['', 'clarity', 'sagex3', 'tims']) {
        const folder = path.join(TEMPLATE_FLOWS_DIR, dir);
        let files: string[];
        try {
          files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
        } catch {
          continue;
        }
        for (const f of files.sort()) {
          const source = readFileSync(path.join(folder, f), 'utf8');
          const loaded = loadFlow(source);
          if (!loaded.ok) continue;
          const def: FlowDef = loaded.flow.def;
          out.push({ file: path.posix.join(dir, f), name: def.name, ...(def.description ? { description: def.description.trim() } : {}), source });
        }
      }
      return out;
    },
  }),
  defineRoute<Record<string, never>, { names?: string }>({
    method: 'GET',
    url: '/flows/export',
    access: 'admin',
    summary: 'A promotion bundle: the named flows (all when `names` is omitted) with every version and the names and types of the connections they use; no settings, no secrets.',
    tag: 'flows',
    schema: { querystring: obj({ names: str }, ['names']), response: { 200: openObject } },
    async handler({ query, ctx, audit }) {
      let bundle: FlowBundle;
      try {
        bundle = await exportBundle(ctx.store, query.names?.split(',').map((s) => s.trim()).filter(Boolean));
      } catch (err) {
        if (err instanceof BundleError) throw new ApiError(404, 'not_found', err.message);
        throw err;
      }
      await audit('flow.export', bundle.flows.map((f) => `flow:${f.name}`).join(','));
      return bundle;
    },
  }),
  defineRoute<Record<string, never>, Record<string, never>, { bundle: unknown; mapConnections?: Record<string, string>; apply?: boolean }>({
    method: 'POST',
    url: '/flows/import',
    access: 'admin',
    summary: 'Import a bundle: with `apply: false` (default) the diff of each flow against what runs here and every problem; with `apply: true` deploys them, substituting `mapConnections` (bundle name → name here), or refuses (409) when anything is wrong.',
    tag: 'flows',
    schema: {
      body: obj({ bundle: openObject, mapConnections: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } }, apply: { type: 'boolean' } }, ['mapConnections', 'apply']),
      response: { 200: importSchema },
    },
    async handler({ body, ctx, principal }) {
      let bundle: FlowBundle;
      try {
        bundle = readBundle(body.bundle);
      } catch (err) {
        throw new ApiError(400, 'invalid_bundle', (err as Error).message);
      }
      for (const f of bundle.flows) for (const v of f.versions) bounded(v.source);
      const plan = await planImport(ctx.hub, bundle, body.mapConnections ?? {});
      if (!body.apply) return describePlan(plan, false);
      try {
        const deployed = await applyImport(ctx.hub, plan, principal!.user.username);
        return describePlan(plan, true, deployed);
      } catch (err) {
        if (err instanceof BundleError) throw new ApiError(409, 'import_refused', err.message, describePlan(plan, false) as never);
        throw err;
      }
    },
  }),
];
