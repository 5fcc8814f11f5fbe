/**
 * Checks of a `sync:` block the schema cannot express (every field has exactly one owner or rule,
 * names refer to a side) and the one-way view the rest of the engine reads (`source` = side a,
 * one target = side b), so health checks, previews and the console see a two-way pair like any flow.
 */
import type { FlowDef, FlowIssue, TargetDef } from '../../core/flow.js';
import { sideName, sideOf, type SyncDef } from '../../core/sync.js';
import { parseDuration } from '../durations.js';

/** Problems of a flow's `sync:` block, located by path. */
export function syncIssues(sync: SyncDef): Array<Omit<FlowIssue, 'file'>> {
  const out: Array<Omit<FlowIssue, 'file'>> = [];
  const names = [sideName(sync, 'a'), sideName(sync, 'b')];
  if (names[0] === names[1]) out.push({ path: 'sync/b/name', message: `both sides are called "${names[0]}"; give one a \`name:\` so rules can tell them apart` });
  const side = (path: string, name: string) => {
    if (!sideOf(sync, name)) out.push({ path, message: `"${name}" is not a side of this pair; use ${names.map((n) => `"${n}"`).join(' or ')}` });
  };
  const seen = { a: new Set<string>(), b: new Set<string>() };
  sync.fields.forEach((f, i) => {
    const path = `sync/fields/${i}`;
    const label = `${f.a} ↔ ${f.b}`;
    for (const s of ['a', 'b'] as const) {
      if (seen[s].has(f[s])) out.push({ path: `${path}/${s}`, message: `field "${f[s]}" of side ${s} is paired twice` });
      seen[s].add(f[s]);
    }
    const deciders = (['owner', 'wins', 'rule'] as const).filter((k) => f[k] !== undefined);
    if (deciders.length === 0) {
      out.push({ path, message: `field "${label}" has no owner: say which system owns it (\`owner: ${names[1]}\`), or a rule (\`rule: newest\`, \`rule: first-non-empty\`, \`rule: ask\`, \`wins: ${names[0]}\`)` });
    } else if (deciders.length > 1) {
      out.push({ path, message: `field "${label}" has ${deciders.map((d) => `\`${d}\``).join(' and ')}; give exactly one` });
    }
    if (f.owner) side(`${path}/owner`, f.owner);
    if (f.wins) side(`${path}/wins`, f.wins);
    for (const [j, n] of (f.order ?? []).entries()) side(`${path}/order/${j}`, n);
    if (f.allowMailable !== undefined && !f.consent) out.push({ path: `${path}/allowMailable`, message: `field "${label}": allowMailable applies only to a consent field (add \`consent: opt-out\` or \`opt-in\`)` });
  });
  for (const s of ['a', 'b'] as const) {
    const d = sync[s];
    if (d.onDelete === 'deactivate' && !d.inactive) out.push({ path: `sync/${s}/onDelete`, message: `onDelete: deactivate on side ${s} needs \`inactive: { field, value }\` saying how ${d.connection} marks a record inactive` });
    if (d.onDelete === 'mark' && !d.mark) out.push({ path: `sync/${s}/onDelete`, message: `onDelete: mark on side ${s} needs \`mark: { field, value }\`` });
  }
  sync.match.forEach((m, i) => {
    if (m.a === 'id' && m.b === 'id') out.push({ path: `sync/match/${i}`, message: 'a match pair cannot be id on both sides: the two systems number records differently' });
  });
  for (const k of ['skewTolerance', 'reconcileEvery'] as const) {
    if (!sync[k]) continue;
    try {
      parseDuration(sync[k]);
    } catch (err) {
      out.push({ path: `sync/${k}`, message: (err as Error).message });
    }
  }
  return out;
}

/** The flow with `source` and `targets` derived from its `sync:` block (side a → side b). */
export function withSyncView(def: FlowDef): FlowDef {
  const sync = def.sync!;
  const target: TargetDef = {
    name: sideName(sync, 'b'),
    connection: sync.b.connection,
    entity: sync.b.entity,
    mapping: Object.fromEntries(sync.fields.map((f) => [f.b, f.a])),
  };
  return { ...def, source: { connection: sync.a.connection, entity: sync.a.entity }, targets: [target] };
}
