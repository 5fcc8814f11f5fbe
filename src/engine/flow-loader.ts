/**
 * Reads a flow file: YAML → validated FlowDef, with every problem located by line and column so a
 * person can fix the file without guessing.
 */
import { createHash } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import jsonata from 'jsonata';
import type { FlowDef, FlowIssue, MappingDef, MappingRule, TargetDef } from '../core/flow.js';
import { flowSchema } from '../core/flow-schema.js';
import { parseDuration } from './durations.js';
import { literalSecretIssues } from './flow-secrets.js';
import { syncIssues, withSyncView } from './sync/sync-def.js';

const ajv = new Ajv2020({ allErrors: true, discriminator: true, strict: false });
/** The flow schema's validator, compiled on first use: compiling costs about half a second, which a server that only runs deployed flows (kept compiled in the store's definitions) never needs to pay at start. */
let flowValidator: ValidateFunction | null = null;
const schemaValidator = (): ValidateFunction => (flowValidator ??= ajv.compile(flowSchema));

/** A parsed flow with its source text and the hash deployments compare. */
export interface LoadedFlow {
  def: FlowDef;
  source: string;
  hash: string;
}

/** The result of reading a flow file: the flow, or every problem found. */
export type FlowLoadResult = { ok: true; flow: LoadedFlow } | { ok: false; issues: FlowIssue[] };

/** Thrown by deploy paths when a flow file is invalid; carries the located issues. */
export class FlowValidationError extends Error {
  constructor(readonly issues: FlowIssue[]) {
    super(`flow file is invalid:\n${formatIssues(issues)}`);
    this.name = 'FlowValidationError';
  }
}

/** sha256 of a flow's text; identical text deploys no new version. */
export function flowHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** Largest flow file read (real ones are a few KB). */
export const MAX_FLOW_BYTES = 256 * 1024;
/** Deepest nesting of `[` and `{` read; the YAML reader recurses per level. */
export const MAX_FLOW_NESTING = 100;
/** Aliases (`*name`, merge keys included) a flow may expand, weighted by what each expands to. */
const MAX_ALIAS_COUNT = 50;

/**
 * Why a flow file's text is refused before it is read as YAML, or null. Bounds what a hostile text
 * can cost (anyone allowed to validate can send one): its size, its bracket nesting (the parser
 * recurses per level, so 100,000 `[` overflow the stack after seconds of work), checked on the raw
 * text before parsing.
 */
export function flowTextProblem(source: string): string | null {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_FLOW_BYTES) return `the flow file is ${bytes} bytes; at most ${MAX_FLOW_BYTES} are read`;
  // Counted on raw characters (brackets inside quoted text count too): a real flow is nowhere near.
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_FLOW_NESTING) return `the flow file nests brackets more than ${MAX_FLOW_NESTING} levels deep (at character ${i + 1})`;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
  }
  return null;
}

/**
 * Why a flow file is refused before validation (size, nesting, aliases that expand too far), or null:
 * what a caller answers with a plain 400 rather than located issues.
 */
export function flowSourceProblem(source: string): string | null {
  const problem = flowTextProblem(source);
  if (problem) return problem;
  const doc = parseDocument(source, { uniqueKeys: true });
  if (doc.errors.length) return null;
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return null;
  } catch (err) {
    return aliasProblem(err);
  }
}

function aliasProblem(err: unknown): string {
  const message = (err as Error).message;
  return /alias/i.test(message) ? `the flow file's aliases expand too far (more than ${MAX_ALIAS_COUNT}); write the repeated parts out` : `the flow file cannot be read: ${message}`;
}

/** Parses and validates a flow file's text. */
export function loadFlow(source: string, file?: string): FlowLoadResult {
  const refused = flowTextProblem(source);
  if (refused) return { ok: false, issues: [{ path: '', message: refused, file, line: 1, column: 1 }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const issues: FlowIssue[] = [];
  for (const err of [...doc.errors, ...doc.warnings]) {
    const pos = err.linePos?.[0];
    issues.push({ path: '', message: err.message.split('\n')[0], file, line: pos?.line, column: pos?.col });
  }
  if (issues.length) return { ok: false, issues };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: aliasProblem(err), file, line: 1, column: 1 }] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, issues: [{ path: '', message: 'a flow file must be a YAML mapping (name:, trigger:, source:, targets:)', file, line: 1, column: 1 }] };
  }
  const locate = (path: (string | number)[]): Pick<FlowIssue, 'line' | 'column'> => locateNode(doc, lineCounter, path);
  const validateSchema = schemaValidator();
  if (!validateSchema(value)) {
    for (const e of simplifyErrors(validateSchema.errors ?? [])) {
      const path = pointerToPath(e.instancePath);
      const extra = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
      const where = extra ? [...path, extra] : path;
      issues.push({ path: where.join('/'), message: describeAjvError(e, extra), file, ...locate(where) });
    }
    return { ok: false, issues };
  }
  let def = value as FlowDef;
  if (def.sync) {
    for (const issue of syncIssues(def.sync)) issues.push({ ...issue, file, ...locate(issue.path.split('/').filter(Boolean).map(asKey)) });
    if (issues.length) return { ok: false, issues };
    def = withSyncView(def);
  }
  for (const issue of semanticIssues(def)) issues.push({ ...issue, file, ...locate(issue.path.split('/').filter(Boolean).map(asKey)) });
  if (issues.length) return { ok: false, issues };
  return { ok: true, flow: { def, source, hash: flowHash(source) } };
}

/** Adds line and column (and the file) to issues found on a flow's parsed definition, such as the schema name check's. */
export function locateIssues(source: string, issues: Array<Omit<FlowIssue, 'file' | 'line' | 'column'>>, file?: string): FlowIssue[] {
  if (!issues.length) return [];
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter });
  return issues.map((i) => ({ ...i, file, ...locateNode(doc, lineCounter, i.path.split('/').filter(Boolean).map(asKey)) }));
}

/** Formats issues one per line as `file:line:column  path  message`. */
export function formatIssues(issues: FlowIssue[]): string {
  return issues
    .map((i) => {
      const at = [i.file ?? '<flow>', i.line, i.column].filter((x) => x !== undefined).join(':');
      return `${at}  ${i.path ? `${i.path}: ` : ''}${i.message}`;
    })
    .join('\n');
}

/** Checks the schema cannot express: unique names, one value source per rule, known value maps, valid JSONata, durations. */
function semanticIssues(def: FlowDef): Array<Omit<FlowIssue, 'file'>> {
  const out: Array<Omit<FlowIssue, 'file'>> = [];
  const expr = (path: string, text: string | undefined) => {
    if (text === undefined) return;
    try {
      jsonata(text);
    } catch (err) {
      const e = err as { message: string; position?: number };
      out.push({ path, message: `invalid expression: ${e.message}${e.position !== undefined ? ` (at character ${e.position})` : ''}` });
    }
  };
  expr('filter', def.filter);
  (def.lookups ?? []).forEach((l, i) => {
    expr(`lookups/${i}/id`, l.id);
    expr(`lookups/${i}/find/value`, l.find?.value);
    expr(`lookups/${i}/when`, l.when);
    if (l.id && l.find) out.push({ path: `lookups/${i}`, message: `lookup "${l.name}" gives both \`id\` and \`find\`; use one` });
  });
  (def.source.refreshOn ?? []).forEach((r, i) => expr(`source/refreshOn/${i}/parentId`, r.parentId));
  out.push(...literalSecretIssues(def));
  if (def.trigger.type === 'webhook' && !def.trigger.secret && def.trigger.unsigned !== true && !def.trigger.useConnectorParser) {
    out.push({
      path: 'trigger',
      message: 'a webhook flow needs a signing secret: add `secret: env:NAME` (HMAC-SHA256, see docs/reliability.md), or say `unsigned: true` to accept unsigned deliveries on purpose',
    });
  }
  if (def.trigger.type === 'poll' || def.trigger.type === 'stream') {
    const trig = def.trigger;
    for (const k of ['every', 'overlap', 'pollEvery', 'minEvery'] as const) {
      const v = (trig as Partial<Record<typeof k, string>>)[k];
      if (v !== undefined) {
        try {
          parseDuration(v);
        } catch (err) {
          out.push({ path: `trigger/${k}`, message: (err as Error).message });
        }
      }
    }
  }
  const names = new Set<string>();
  def.targets.forEach((t, i) => {
    if (names.has(t.name)) out.push({ path: `targets/${i}/name`, message: `target name "${t.name}" is used twice` });
    names.add(t.name);
    expr(`targets/${i}/when`, t.when);
    expr(`targets/${i}/forEach`, t.forEach);
    if (t.forEach && t.match?.xref !== false) out.push({ path: `targets/${i}/match/xref`, message: `target "${t.name}" writes once per forEach element: set \`match: { xref: false }\` and match keys, so each element finds its own record` });
    checkMapping(t.mapping, `targets/${i}/mapping`, def, out, expr);
    for (const [field, e] of Object.entries(t.writeBack?.mapping ?? {})) expr(`targets/${i}/writeBack/mapping/${field}`, e);
    expr(`targets/${i}/writeBack/id`, t.writeBack?.id);
    expr(`targets/${i}/match/link`, t.match?.link);
    if (t.write?.verb === 'update' && t.match?.xref === false && !t.match?.keys?.length && !t.match?.link) {
      out.push({ path: `targets/${i}/match`, message: 'an update-only target needs the cross-reference or match keys to find the record' });
    }
    // A pair finds partners by its own match pairs and the pair table (engine/sync), not by target keys.
    if (!def.sync) out.push(...exactlyOnceIssues(t, i));
  });
  return out;
}

/**
 * Decision 0003: a target that can create records must say how a retried write finds the record it
 * already made (the cross-reference alone is committed only after the write, so a crash in between
 * would create a second one): a match key or an external id, each a field the target maps.
 */
function exactlyOnceIssues(t: TargetDef, i: number): Array<Omit<FlowIssue, 'file'>> {
  const out: Array<Omit<FlowIssue, 'file'>> = [];
  const verb = t.write?.verb ?? 'upsert';
  const keys = t.match?.keys ?? [];
  const ext = t.write?.externalIdField;
  const mapped = (field: string) => Object.prototype.hasOwnProperty.call(t.mapping, field);
  keys.forEach((key, k) => {
    for (const part of key.split('+')) {
      if (!mapped(part)) out.push({ path: `targets/${i}/match/keys/${k}`, message: `match key "${part}" of target "${t.name}" is not a field its mapping writes; add it to the mapping or name a mapped field` });
    }
  });
  if (ext && !mapped(ext)) out.push({ path: `targets/${i}/write/externalIdField`, message: `external id "${ext}" of target "${t.name}" is not a field its mapping writes` });
  // A delete never creates, so it needs no key to find what a retried write made.
  if (verb !== 'update' && verb !== 'delete' && keys.length === 0 && !(verb === 'upsert' && ext)) {
    out.push({
      path: `targets/${i}`,
      message:
        `target "${t.name}" ${verb === 'create' ? 'creates' : 'upserts'} ${t.connection}/${t.entity} records with neither a match key nor an external id, so a write retried after a crash could create a second record. ` +
        'Add `match: { keys: [<mapped field that identifies the record>] }` (`a+b` for a compound key)' +
        (verb === 'upsert' ? ', or `write: { externalIdField: <mapped field> }` where the system upserts on it' : ''),
    });
  }
  return out;
}

function checkMapping(
  mapping: MappingDef,
  base: string,
  def: FlowDef,
  out: Array<Omit<FlowIssue, 'file'>>,
  expr: (path: string, text: string | undefined) => void,
): void {
  for (const [field, rule] of Object.entries(mapping) as Array<[string, MappingRule]>) {
    if (typeof rule === 'string') continue;
    const path = `${base}/${field}`;
    const sources = ['from', 'expr', 'value'].filter((k) => k in rule);
    if (rule.each) {
      if (!rule.from) out.push({ path, message: '`each` needs `from`: the path of the array to map' });
      checkMapping(rule.each, `${path}/each`, def, out, expr);
    } else if (sources.length === 0 && rule.default === undefined) {
      out.push({ path, message: 'give the value with one of `from`, `expr`, `value` (or at least a `default`)' });
    } else if (sources.length > 1) {
      out.push({ path, message: `use only one of ${sources.map((s) => `\`${s}\``).join(', ')}` });
    }
    expr(`${path}/expr`, rule.expr);
    expr(`${path}/when`, rule.when);
    if (typeof rule.map === 'string' && !def.valueMaps?.[rule.map]) {
      out.push({ path: `${path}/map`, message: `no value map named "${rule.map}" in valueMaps` });
    }
  }
}

function asKey(segment: string): string | number {
  return /^\d+$/.test(segment) ? Number(segment) : segment;
}

function pointerToPath(pointer: string): (string | number)[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => asKey(s.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function locateNode(doc: Document, lc: LineCounter, path: (string | number)[]): { line?: number; column?: number } {
  // Point at the key of a mapping entry (where a typo is), not at its value.
  if (path.length) {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
      if (pair && isNode(pair.key) && pair.key.range) {
        const pos = lc.linePos(pair.key.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
  }
  // Otherwise walk up until a node exists (a missing property is reported at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) {
      const pos = lc.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return {};
}

/** Drops the noise ajv produces for oneOf (the failed string branch when an object was given, the oneOf summary itself). */
function simplifyErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && e.schemaPath.includes('oneOf/0')));
  const chosen = specific.length ? specific : errors;
  const seen = new Set<string>();
  return chosen.filter((e) => {
    const k = `${e.instancePath}|${e.message}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function describeAjvError(e: ErrorObject, extra?: string): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown setting "${extra}"`;
    case 'required':
      return `missing required setting "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case 'discriminator':
      return 'trigger type must be one of "webhook", "poll", "schedule", "manual", "stream", "outboundMessage"';
    case 'pattern':
      return `${e.message ?? 'has the wrong format'}`;
    default:
      return e.message ?? e.keyword;
  }
}
