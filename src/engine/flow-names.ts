/**
 * Deploy safety: every entity and field a flow names, checked against the connections' discovered
 * schemas. A typo (`Emial`, `Laed`) is an issue naming what is wrong and the closest real name, so a
 * misspelt flow is refused at validate and deploy instead of failing on its first record.
 *
 * Checked: source and target entities; plain-copy source paths and the root field names JSONata
 * expressions read from the source record (filter, when, expr, match.link); target mapping keys
 * (the first step of a nested `custom.erpCustomerNo`), match keys, the external-id field and
 * write-back fields. Not checked, because the schema cannot say: webhook payloads that are never
 * also polled (their shape is the sender's), fields inside `each` (array elements), entities whose field list is open
 * (EntitySpec.openFields) and connections with no known schema.
 */
import jsonata from 'jsonata';
import { closest, distance } from 'fastest-levenshtein';
import type { EntitySpec } from '../core/connector.js';
import type { FlowDef, FlowIssue, MappingDef, TargetDef } from '../core/flow.js';
import { parsePath } from '../mapping/path.js';

/** What is known of one connection's schema, and where it came from. */
export interface ConnectionSchema {
  connection: string;
  /** Connector type (`salesforce`). */
  type: string;
  entities: EntitySpec[];
  /** `live`: discovered now; `cache`: the last discovery stored; `declared`: the connector's built-in list. */
  source: 'live' | 'cache' | 'declared';
  /** When the entities were discovered (for `cache` and `live`). */
  discoveredAt?: string;
}

/** The schema of a connection by name, or undefined when none is known (the connection is not configured). */
export type SchemaLookup = (connection: string) => ConnectionSchema | undefined;

type Issue = Omit<FlowIssue, 'file' | 'line' | 'column'>;

/** The closest of `candidates` to `name` (case differences first), or undefined when there are none. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  if (!candidates.length) return undefined;
  const sameCase = candidates.find((c) => c.toLowerCase() === name.toLowerCase());
  return sameCase ?? closest(name, candidates as string[]);
}

/** ` The closest is "X".` when a candidate is near enough to be a likely intent; the field list otherwise. */
function hint(name: string, candidates: readonly string[]): string {
  const best = closestName(name, candidates);
  if (best === undefined) return '';
  const near = best.toLowerCase() === name.toLowerCase() || distance(name.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.ceil(name.length / 3));
  return near ? ` Did you mean "${best}"?` : ` The closest name is "${best}".`;
}

/** Field names a path can start with on this entity, including Salesforce relationship names (`Account` for `AccountId`, `Foo__r` for `Foo__c`). */
function rootNames(entity: EntitySpec): Set<string> {
  const names = new Set(entity.fields.map((f) => f.name));
  for (const f of entity.fields) {
    if (f.type !== 'reference') continue;
    if (f.name.endsWith('Id')) names.add(f.name.slice(0, -2));
    if (f.name.endsWith('__c')) names.add(`${f.name.slice(0, -3)}__r`);
  }
  names.add(entity.idField);
  if (entity.updatedField) names.add(entity.updatedField);
  return names;
}

/** The first name of a source path (`BillingAddress` of `BillingAddress.City`), or null when it cannot be parsed (the loader reports that). */
function firstStep(path: string): string | null {
  try {
    const [step] = parsePath(path);
    return typeof step === 'string' ? step : null;
  } catch {
    return null;
  }
}

/** Root field names an expression reads from its input record: the first step of every path that starts with a name. */
export function expressionRoots(text: string): string[] {
  let ast: unknown;
  try {
    ast = jsonata(text).ast();
  } catch {
    return [];
  }
  const out: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'path') {
      const steps = n.steps as Array<Record<string, unknown>>;
      const first = steps[0];
      // Later steps and the first step's filters are relative to what the first step found: not the record's fields.
      if (first?.type === 'name' && typeof first.value === 'string') out.push(first.value);
      else visit(first);
      return;
    }
    if (n.type === 'name' && typeof n.value === 'string') {
      out.push(n.value);
      return;
    }
    // Lambdas bind their own inputs; a name in their body may be relative to an argument.
    if (n.type === 'lambda') return;
    for (const key of ['lhs', 'rhs', 'arguments', 'expressions', 'condition', 'then', 'else', 'expression', 'procedure']) visit(n[key]);
  };
  visit(ast);
  return out;
}

interface Scope {
  schema: ConnectionSchema;
  entity: EntitySpec;
}

/** Resolves a connection/entity pair, reporting an unknown entity; undefined when nothing can be checked. */
function resolveEntity(lookup: SchemaLookup, connection: string, entity: string, path: string, out: Issue[]): Scope | undefined {
  const schema = lookup(connection);
  if (!schema || !schema.entities.length) return undefined;
  const found = schema.entities.find((e) => e.name === entity);
  if (!found) {
    out.push({ path, message: `"${entity}" is not an entity of connection "${connection}" (${schema.type}, ${describeSource(schema)}).${hint(entity, schema.entities.map((e) => e.name))}` });
    return undefined;
  }
  return { schema, entity: found };
}

function describeSource(schema: ConnectionSchema): string {
  if (schema.source === 'live') return 'as discovered now';
  if (schema.source === 'cache') return `as discovered ${schema.discoveredAt ?? 'earlier'}`;
  return "the connector's declared entities";
}

function fieldIssue(scope: Scope, name: string, role: string, path: string, out: Issue[], names = rootNames(scope.entity)): void {
  if (scope.entity.openFields || names.has(name)) return;
  out.push({ path, message: `${role} "${name}" is not a field of ${scope.schema.connection}/${scope.entity.name}.${hint(name, [...names])}` });
}

function checkSourceReads(def: FlowDef, source: Scope, out: Issue[]): void {
  const names = rootNames(source.entity);
  const readsIn = (text: string | undefined, path: string) => {
    if (text === undefined) return;
    for (const root of new Set(expressionRoots(text))) fieldIssue(source, root, 'source field', path, out, names);
  };
  readsIn(def.filter, 'filter');
  readsIn(def.filterReason, 'filterReason');
  def.targets.forEach((t, i) => {
    readsIn(t.when, `targets/${i}/when`);
    readsIn(t.match?.link, `targets/${i}/match/link`);
    for (const [field, rule] of Object.entries(t.mapping)) {
      const at = `targets/${i}/mapping/${field}`;
      const from = typeof rule === 'string' ? rule : rule.from;
      if (from !== undefined) {
        const step = firstStep(from);
        if (step !== null) fieldIssue(source, step, 'source field', typeof rule === 'string' ? at : `${at}/from`, out, names);
      }
      if (typeof rule === 'object') {
        readsIn(rule.expr, `${at}/expr`);
        readsIn(rule.when, `${at}/when`);
      }
    }
  });
}

function checkTargetWrites(t: TargetDef, i: number, scope: Scope, out: Issue[]): void {
  const names = new Set(scope.entity.fields.map((f) => f.name));
  const writes = (mapping: MappingDef) => Object.keys(mapping);
  for (const field of writes(t.mapping)) {
    // A nested key writes into its first step (`custom` of `custom.erpCustomerNo`).
    const step = names.has(field) ? field : (firstStep(field) ?? field);
    fieldIssue(scope, step, 'target field', `targets/${i}/mapping/${field}`, out, names);
  }
  (t.match?.keys ?? []).forEach((key, k) => {
    for (const part of key.split('+')) if (!names.has(part) && Object.hasOwn(t.mapping, part)) fieldIssue(scope, part, 'match key', `targets/${i}/match/keys/${k}`, out, names);
  });
  const ext = t.write?.externalIdField;
  if (ext !== undefined) fieldIssue(scope, ext, 'external id field', `targets/${i}/write/externalIdField`, out, names);
}

/** Every entity and field name of `def` that its connections' schemas do not know, with the closest real name. */
export function flowNameIssues(def: FlowDef, lookup: SchemaLookup): Issue[] {
  const out: Issue[] = [];
  // A pushed record is whatever the sender posts: a webhook's source entity is read (and so checked) only when it reconciles by polling.
  const readsEntity = def.trigger.type !== 'webhook' || def.trigger.reconcileEvery !== undefined;
  const source = readsEntity ? resolveEntity(lookup, def.source.connection, def.source.entity, 'source/entity', out) : undefined;
  if (source) checkSourceReads(def, source, out);
  def.targets.forEach((t, i) => {
    const scope = resolveEntity(lookup, t.connection, t.entity, `targets/${i}/entity`, out);
    if (scope) checkTargetWrites(t, i, scope, out);
    const wb = t.writeBack;
    if (wb) {
      const back = resolveEntity(lookup, wb.connection, wb.entity, `targets/${i}/writeBack/entity`, out);
      if (back) {
        const names = new Set(back.entity.fields.map((f) => f.name));
        for (const field of Object.keys(wb.mapping)) fieldIssue(back, field, 'write-back field', `targets/${i}/writeBack/mapping/${field}`, out, names);
      }
    }
  });
  return out;
}
