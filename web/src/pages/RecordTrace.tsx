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

/** Steps as a timeline with before/after values side by side. */
export function Steps({ steps, showRun }: { steps: Trace[]; showRun?: boolean }) {
  return (
    <ol className="timeline">
      {steps.map((s) => (
        <li key={s.id} className={`step step-${s.status}`}>
          <div className="step-head">
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
          </div>
          {s.error && <p className="bad small">{s.error.message}</p>}
          {s.lineage && s.lineage.length > 0 ? <LineageTable lineage={s.lineage} /> : (s.before !== undefined || s.after !== undefined) && <BeforeAfter before={s.before} after={s.after} />}
        </li>
      ))}
    </ol>
  );
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
          <tr key={l.field}>
            <th scope="row">
              <code>{l.field}</code>
            </th>
            <td>{l.sources.length ? l.sources.map((src) => <code key={src}>{src} </code>) : '—'}</td>
            <td className="small">{l.rule}</td>
            <td>
              <code>{JSON.stringify(l.value)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Field-by-field before/after; when there was a before, changed fields are marked. */
function BeforeAfter({ before, after }: { before: unknown; after: unknown }) {
  const b = (before && typeof before === 'object' ? before : {}) as Record<string, unknown>;
  const a = (after && typeof after === 'object' ? after : {}) as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  if (fields.length === 0) return null;
  const hadBefore = Object.keys(b).length > 0;
  return (
    <table className="dense before-after">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => {
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
  );
}
