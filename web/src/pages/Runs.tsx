/** Runs, filtered by flow, status, time or any id or email the run touched. */
import { useState, type FormEvent } from 'react';
import { qs } from '../api';
import { Badge, ErrorNote, Loading, PageHeader } from '../components/ui';
import { time } from '../format';
import { keepWhileFiltering, useApi } from '../hooks';
import { Link, useRoute } from '../router';
import type { FlowSummary, Run } from '../types';

const STATUSES = ['succeeded', 'skipped', 'failed', 'retrying', 'dead'];

export function Runs() {
  const { search, navigate } = useRoute();
  const filter = { flow: search.get('flow') ?? '', status: search.get('status') ?? '', key: search.get('key') ?? '', since: search.get('since') ?? '' };
  const [form, setForm] = useState(filter);
  const flows = useApi<FlowSummary[]>('/flows');
  const query = qs({ ...filter, since: filter.since ? new Date(filter.since).toISOString() : undefined, limit: 200 });
  const { data, error } = useApi<Run[]>(`/runs${query}`, keepWhileFiltering);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/runs${qs(form)}`);
  };
  return (
    <section>
      <PageHeader title="Runs" />
      <form className="filters" onSubmit={submit} role="search">
        <label>
          Flow
          <select value={form.flow} onChange={(e) => setForm({ ...form, flow: e.target.value })}>
            <option value="">all</option>
            {flows.data?.map((f) => (
              <option key={f.name}>{f.name}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={form.status} onChange={(e) => setForm({ ...form, status: e.target.value })}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Since
          <input type="datetime-local" value={form.since} onChange={(e) => setForm({ ...form, since: e.target.value })} />
        </label>
        <label className="grow">
          Record (email or any system's id)
          <input type="search" value={form.key} placeholder="ann@example.com, 00Q5e00000AbcD, 01-ABF" onChange={(e) => setForm({ ...form, key: e.target.value })} />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
        {filter.key && (
          <Link to={`/trace/${encodeURIComponent(filter.key)}`} className="button">
            Trace this record
          </Link>
        )}
      </form>
      <ErrorNote error={error} />
      {!data ? <Loading /> : <RunTable runs={data} />}
    </section>
  );
}

/** A table of runs linking to each run's detail. */
export function RunTable({ runs }: { runs: Run[] }) {
  if (runs.length === 0) return <p className="muted">No runs match.</p>;
  return (
    <div className="table-wrap">
      <table className="dense">
        <thead>
          <tr>
            <th scope="col">Finished</th>
            <th scope="col">Flow</th>
            <th scope="col">Record</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Attempt</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td>
                <Link to={`/runs/${r.id}`}>{time(r.finishedAt)}</Link>
              </td>
              <td>
                {r.flow} <span className="muted">v{r.flowVersion}</span>
              </td>
              <td>{r.recordKey ? <Link to={`/trace/${encodeURIComponent(r.recordKey)}`}>{r.recordKey}</Link> : '—'}</td>
              <td>{r.trigger}</td>
              <td>
                <Badge status={r.status} />
              </td>
              <td>{r.attempt}</td>
              <td className="small">{r.error?.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
