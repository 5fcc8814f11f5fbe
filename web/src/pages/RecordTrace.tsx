/** One record's journey across systems: every step that touched any of its ids or its email, with values before and after. */
import { useState, type FormEvent } from 'react';
import { Badge, ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { Link, useRoute } from '../router';
import type { Trace } from '../types';

export function RecordTrace({ recordKey }: { recordKey?: string }) {
  const { navigate } = useRoute();
  const [key, setKey] = useState(recordKey ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (key.trim()) navigate(`/trace/${encodeURIComponent(key.trim())}`);
  };
  return (
    <section>
      <PageHeader title="Record trace" />
      <form className="filters" onSubmit={submit} role="search">
        <label className="grow">
          Email or any system's id
          <input type="search" value={key} onChange={(e) => setKey(e.target.value)} placeholder="ann@example.com, 00Q5e00000AbcD, 01-ABF" />
        </label>
        <button type="submit" className="primary">
          Trace
        </button>
      </form>
      {recordKey && <TraceResult recordKey={recordKey} />}
    </section>
  );
}

function TraceResult({ recordKey }: { recordKey: string }) {
  const { data, error } = useApi<{ key: string; ids: Array<{ connection: string; entity: string; id: string }>; steps: Trace[] }>(`/records/${encodeURIComponent(recordKey)}/trace`);
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  return (
    <>
      {data.ids.length > 0 && (
        <p>
          Known as{' '}
          {data.ids.map((i, n) => (
            <span key={n} className="chip">
              {i.connection} {i.entity} <code>{i.id}</code>
            </span>
          ))}
        </p>
      )}
      {data.steps.length === 0 ? <p className="muted">No step has touched “{recordKey}”.</p> : <Steps steps={data.steps} showRun />}
    </>
  );
}

/** Steps as a timeline with before/after values side by side; each step folds, the source record starts folded. */
export function Steps({ steps, showRun }: { steps: Trace[]; showRun?: boolean }) {
  const warnings = mappingWarnings(steps);
  const mapped = mappedSourceFields(steps);
  return (
    <>
      {warnings.length > 0 && (
        <ul className="note note-warn" aria-label="Warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <ol className="timeline">
        {steps.map((s) => (
          // The trigger step holds the whole source record: folded, as its mapped fields show below.
          <li key={s.id} className={`step step-${s.status}`}>
            <details open={s.step !== 'trigger' || s.status !== 'ok'}>
              <summary className="step-head">
                <strong>{s.step}</strong> <Badge status={s.status} />{' '}
                {s.connection && (
                  <span>
                    {s.connection} {s.entity} {s.externalId && <code>{s.externalId}</code>}
                  </span>
                )}
                <span className="muted small">
                  {time(s.at)} · {s.flow}
                  {showRun && (
                    <>
                      {' '}
                      · <Link to={`/runs/${s.runId}`}>run</Link>
                    </>
                  )}
                </span>
              </summary>
              {s.error && <p className="bad small">{s.error.message}</p>}
              {s.step === 'filter' && s.status === 'skipped' && <p className="small">Skipped: {skipWords(s.after)}</p>}
              {s.lineage && s.lineage.length > 0 ? (
                <LineageTable lineage={s.lineage} />
              ) : (
                s.step !== 'filter' &&
                (s.before !== undefined || s.after !== undefined) && <BeforeAfter before={s.before} after={s.after} only={(s.step === 'trigger' || s.step === 'refresh') && mapped.size > 0 ? mapped : undefined} />
              )}
            </details>
          </li>
        ))}
      </ol>
    </>
  );
}

/** Why the filter skipped the record, from its step: the flow's filterReason, else its filter. */
function skipWords(after: unknown): string {
  const a = (after ?? {}) as { reason?: unknown; filter?: unknown };
  if (typeof a.reason === 'string') return a.reason;
  if (typeof a.filter === 'string') return `the flow's filter \`${a.filter}\` is false for this record`;
  return "the flow's filter left it out";
}

/** The mapping engine's warnings (a function turned a value into nothing), one line each. */
export function mappingWarnings(steps: Trace[]): string[] {
  const out: string[] = [];
  for (const s of steps) for (const l of s.lineage ?? []) if (l.warning) out.push(`${s.step.replace(/^map:/, '')}: ${l.field}: ${l.warning}`);
  return out;
}

/** The source fields any mapping read (top-level names: `Lines[].Amount` → `Lines`). */
function mappedSourceFields(steps: Trace[]): Set<string> {
  const out = new Set<string>();
  for (const s of steps) for (const l of s.lineage ?? []) for (const src of l.sources) out.add(src.replace(/^\$source\./, '').split(/[.[]/)[0].replace(/`/g, ''));
  return out;
}

/** A mapping step: each target field, the rule that made it, and the value it got. */
function LineageTable({ lineage }: { lineage: NonNullable<Trace['lineage']> }) {
  return (
    <table className="dense before-after">
      <thead>
        <tr>
          <th scope="col">Target field</th>
          <th scope="col">From</th>
          <th scope="col">Rule</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {lineage.map((l) => (
          <tr key={l.field} className={l.warning ? 'lineage-warning' : ''}>
            <th scope="row">
              <code>{l.field}</code>
            </th>
            <td>{l.sources.length ? l.sources.map((src) => <code key={src}>{src} </code>) : '—'}</td>
            <td className="small">{l.rule}</td>
            <td>
              <code>{JSON.stringify(l.value)}</code>
              {l.warning && <span className="warn-text small"> ⚠ {l.warning}</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Field-by-field before/after. Until asked for all of them, only the fields that matter show: the
 * changed ones when there was a before, the ones the mapping read (`only`) for a source record.
 */
function BeforeAfter({ before, after, only }: { before: unknown; after: unknown; only?: Set<string> }) {
  const [all, setAll] = useState(false);
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  if (fields.length === 0) return null;
  const hadBefore = Object.keys(b).length > 0;
  const changedFields = fields.filter((f) => JSON.stringify(b[f]) !== JSON.stringify(a[f]));
  const focus = only ? fields.filter((f) => only.has(f)) : hadBefore ? changedFields : fields;
  const shown = all ? fields : focus;
  const what = only ? 'mapped' : 'changed';
  return (
    <>
      {focus.length < fields.length && (
        <button type="button" className="link-button small" onClick={() => setAll(!all)}>
          {all ? `Show only the ${focus.length} ${what} field(s)` : `Show all ${fields.length} fields (${focus.length} ${what})`}
        </button>
      )}
    <table className="dense before-after">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((f) => {
          const changed = hadBefore && JSON.stringify(b[f]) !== JSON.stringify(a[f]);
          return (
            <tr key={f} className={changed ? 'changed' : ''}>
              <th scope="row">
                <code>{f}</code>
                {changed && <span className="visually-hidden"> (changed)</span>}
              </th>
              <td>
                <code>{f in b ? JSON.stringify(b[f]) : '—'}</code>
              </td>
              <td>
                <code>{f in a ? JSON.stringify(a[f]) : '—'}</code>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </>
  );
}
