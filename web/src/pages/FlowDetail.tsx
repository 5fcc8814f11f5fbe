/** One flow: the mapping as source → rule → target, version history and diff, pause/resume/run now, mapping preview. */
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { LagPanel } from '../components/LagPanel';
import { Badge, ErrorNote, Json, Loading, OkNote, PageHeader, UnsignedBadge } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { Link } from '../router';
import { useSession } from '../session';
import type { Diff, FlowDetail as Detail, FlowVersion, Preview } from '../types';
import { DiffView } from './flow-editor/DiffView';

export function FlowDetail({ name }: { name: string }) {
  const { can } = useSession();
  const path = `/flows/${encodeURIComponent(name)}`;
  const { data, error, reload } = useApi<Detail>(path);
  const versions = useApi<FlowVersion[]>(`${path}/versions`);
  const [note, setNote] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const act = async (verb: 'pause' | 'resume' | 'run') => {
    setNote(null);
    setActionError(null);
    try {
      const res = await api<{ jobId?: string }>('POST', `${path}/${verb}`);
      setNote(verb === 'run' ? `Run started (job ${res.jobId}).` : verb === 'pause' ? 'Flow paused.' : 'Flow resumed.');
      void reload();
    } catch (err) {
      setActionError((err as Error).message);
    }
  };
  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  const f = data.flow;
  return (
    <section>
      <p className="crumbs">
        <Link to="/flows">Flows</Link> /
      </p>
      <PageHeader title={f.name}>
        <Badge status={f.status} />
        {f.unsigned && <UnsignedBadge />}
        {can('operator') && (
          <>
            {f.status === 'active' ? (
              <button type="button" onClick={() => void act('pause')}>
                Pause
              </button>
            ) : (
              <button type="button" onClick={() => void act('resume')}>
                Resume
              </button>
            )}
            <button type="button" onClick={() => void act('run')}>
              Run now
            </button>
          </>
        )}
        <Link to={`${path}/edit`} className="button">
          Edit
        </Link>
        <Link to={`/runs?flow=${encodeURIComponent(f.name)}`}>Runs</Link>
        {data.definition.sync !== undefined && <Link to={`${path}/reconcile`}>Reconciliation</Link>}
      </PageHeader>
      {note && <OkNote>{note}</OkNote>}
      <ErrorNote error={actionError} />
      <dl className="facts">
        <dt>Version</dt>
        <dd>
          v{data.version.version} by {data.version.deployedBy}, {time(data.version.deployedAt)}
        </dd>
        <dt>Trigger</dt>
        <dd>{f.trigger}</dd>
        <dt>From</dt>
        <dd>{f.source}</dd>
        <dt>To</dt>
        <dd>{f.targets.join(', ')}</dd>
        {f.description && (
          <>
            <dt>About</dt>
            <dd>{f.description}</dd>
          </>
        )}
      </dl>
      <LagPanel flow={f.name} />

      <h2>Mapping</h2>
      <div className="table-wrap">
        <table className="dense mapping">
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Rule</th>
              <th scope="col">Target field</th>
              <th scope="col">Written to</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {data.mapping.map((r) => (
              <tr key={`${r.target}.${r.field}`}>
                <td>
                  <code>{r.source}</code>
                </td>
                <td className="rule">{r.rule}</td>
                <th scope="row">
                  <code>{r.field}</code>
                </th>
                <td>
                  {r.connection} {r.entity} <span className="muted">({r.target})</span>
                </td>
                <td className="muted">{r.note ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <PreviewPanel path={path} />

      <h2>Versions</h2>
      {versions.data ? (
        <VersionHistory
          path={path}
          versions={versions.data}
          current={f.currentVersion}
          onRolledBack={() => {
            void reload();
            void versions.reload();
          }}
        />
      ) : (
        <Loading />
      )}

      <details className="panel">
        <summary>Flow file (v{data.version.version})</summary>
        <pre className="code-block" tabIndex={0}>
          {data.version.source}
        </pre>
      </details>
    </section>
  );
}

function PreviewPanel({ path }: { path: string }) {
  const [sample, setSample] = useState('{\n  "Email": "ann@example.com"\n}');
  const [result, setResult] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(sample);
    } catch (err) {
      return setError(`The sample is not valid JSON: ${(err as Error).message}`);
    }
    try {
      setResult(await api<Preview>('POST', `${path}/preview`, { sample: parsed }));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <h2>Mapping preview</h2>
      <form className="preview" onSubmit={submit}>
        <label>
          Sample source record (JSON)
          <textarea className="code" rows={8} value={sample} onChange={(e) => setSample(e.target.value)} spellCheck={false} />
        </label>
        <div>
          <button type="submit">Preview mapping</button>
          <p className="muted small">Nothing is written.</p>
        </div>
      </form>
      <ErrorNote error={error} />
      {result && (
        <div className="preview-result" aria-live="polite">
          {!result.passedFilter && <p className="note note-warn">The flow's filter skips this record.</p>}
          {result.targets.map((t) => (
            <div key={t.name} className="panel">
              <h3>
                {t.name}: {t.connection} {t.entity}
              </h3>
              {t.fields === null ? <p className="muted">Not written (the target's condition is false).</p> : <Json value={t.fields} label={`Mapped fields for ${t.name}`} />}
              {t.errors.length > 0 && (
                <ul className="issues">
                  {t.errors.map((e, i) => (
                    <li key={i}>{e.message}</li>
                  ))}
                </ul>
              )}
              {t.lineage.length > 0 && (
                <table className="dense">
                  <caption className="small muted">Why each value</caption>
                  <tbody>
                    {t.lineage.map((l) => (
                      <tr key={l.field}>
                        <th scope="row">
                          <code>{l.field}</code>
                        </th>
                        <td>{l.rule}</td>
                        <td>
                          <code>{JSON.stringify(l.value)}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ))}
        </div>
      )}
    </>
  );
}

function VersionHistory({ path, versions, current, onRolledBack }: { path: string; versions: FlowVersion[]; current: number; onRolledBack(): void }) {
  const { can } = useSession();
  const [rollback, setRollback] = useState<{ version: number; diff: Diff } | null>(null);
  const [rolled, setRolled] = useState<string | null>(null);
  const askRollback = async (version: number) => {
    setError(null);
    setRolled(null);
    try {
      // What goes live: the current version's text becomes the old one's.
      setRollback({ version, diff: await api<Diff>('GET', `${path}/diff?from=${current}&to=${version}`) });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const doRollback = async () => {
    if (!rollback) return;
    try {
      const res = await api<{ version: FlowVersion; from: number }>('POST', `${path}/rollback`, { version: rollback.version });
      setRolled(`Rolled back: version ${res.version.version} now runs, equal to version ${rollback.version} (was ${res.from}).`);
      setRollback(null);
      onRolledBack();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const [from, setFrom] = useState<number>(versions.length > 1 ? versions[1].version : current);
  const [to, setTo] = useState<number>(current);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setDiff(await api<Diff>('GET', `${path}/diff?from=${from}&to=${to}`));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <div className="table-wrap">
        <table className="dense">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Deployed</th>
              <th scope="col">By</th>
              <th scope="col">Hash</th>
              {can('admin') && <th scope="col">Roll back</th>}
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.version}>
                <th scope="row">
                  v{v.version} {v.version === current && <span className="badge badge-ok">current</span>}
                </th>
                <td>{time(v.deployedAt)}</td>
                <td>{v.deployedBy}</td>
                <td>
                  <code>{v.hash.slice(0, 12)}</code>
                </td>
                {can('admin') && (
                  <td>
                    {v.version !== current && (
                      <button type="button" onClick={() => void askRollback(v.version)} aria-label={`Roll back to v${v.version}`}>
                        Roll back to v{v.version}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {versions.length > 1 && (
        <form className="inline-form" onSubmit={show}>
          <label>
            Compare
            <select value={from} onChange={(e) => setFrom(Number(e.target.value))}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
          <label>
            with
            <select value={to} onChange={(e) => setTo(Number(e.target.value))}>
              {versions.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Show diff</button>
        </form>
      )}
      <ErrorNote error={error} />
      {rolled && <OkNote>{rolled}</OkNote>}
      {rollback && (
        <div className="panel deploy-confirm" role="dialog" aria-label="Confirm rollback">
          <h3>
            Roll back to v{rollback.version}? A new version equal to v{rollback.version} is deployed; these lines change against the live v{current}:
          </h3>
          <DiffView lines={rollback.diff.lines} label={`Changes from v${current} back to v${rollback.version}`} />
          <div className="inline-form">
            <button type="button" className="primary" onClick={() => void doRollback()}>
              Confirm rollback
            </button>
            <button type="button" onClick={() => setRollback(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {diff && (
        <div className="diff" role="region" aria-label={`Changes from v${diff.from} to v${diff.to}`} tabIndex={0}>
          {diff.lines.map((l, i) => (
            <div key={i} className={`diff-line diff-${l.op}`}>
              <span className="ln">{l.oldLine ?? ''}</span>
              <span className="ln">{l.newLine ?? ''}</span>
              <span className="sign" aria-label={l.op === 'add' ? 'added' : l.op === 'remove' ? 'removed' : undefined}>
                {l.op === 'add' ? '+' : l.op === 'remove' ? '−' : ' '}
              </span>
              <code>{l.text}</code>
            </div>
          ))}
        </div>
      )}
    </>
  );
}
