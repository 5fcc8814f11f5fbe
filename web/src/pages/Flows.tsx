/** Every flow with its status and version; admins can deploy a flow file here. */
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api';
import { Badge, ErrorNote, Loading, OkNote, PageHeader, UnsignedBadge } from '../components/ui';
import { time } from '../format';
import { useApi } from '../hooks';
import { Link } from '../router';
import { useSession } from '../session';
import type { FlowSummary, Issue } from '../types';

export function Flows() {
  const { can } = useSession();
  const { data, error, reload } = useApi<FlowSummary[]>('/flows');
  const [deploying, setDeploying] = useState(false);
  return (
    <section>
      <PageHeader title="Flows">
        <Link to="/flows/new" className="button">
          New flow
        </Link>
        {can('admin') && (
          <button type="button" onClick={() => setDeploying((d) => !d)} aria-expanded={deploying}>
            Deploy a flow file
          </button>
        )}
      </PageHeader>
      {deploying && <DeployForm onDeployed={() => void reload()} />}
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="muted">No flows deployed yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Flow</th>
                <th scope="col">Status</th>
                <th scope="col">Version</th>
                <th scope="col">Trigger</th>
                <th scope="col">From</th>
                <th scope="col">To</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {data.map((f) => (
                <tr key={f.name}>
                  <th scope="row">
                    <Link to={`/flows/${encodeURIComponent(f.name)}`}>{f.name}</Link>
                    {f.description && <div className="small muted">{f.description}</div>}
                  </th>
                  <td>
                    <Badge status={f.status} />
                  </td>
                  <td>v{f.currentVersion}</td>
                  <td>
                    {f.trigger} {f.unsigned && <UnsignedBadge />}
                  </td>
                  <td>{f.source}</td>
                  <td>{f.targets.join(', ')}</td>
                  <td>{time(f.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function DeployForm({ onDeployed }: { onDeployed: () => void }) {
  const [source, setSource] = useState('');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setIssues([]);
    setError(null);
    setDone(null);
    try {
      const res = await api<{ version: { flow: string; version: number }; created: boolean }>('POST', '/flows', source, 'text/yaml');
      setDone(res.created ? `Deployed ${res.version.flow} v${res.version.version}.` : `No change: ${res.version.flow} v${res.version.version} already has this text.`);
      onDeployed();
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.body.issues)) setIssues(err.body.issues as Issue[]);
      setError((err as Error).message);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit}>
      <label>
        Flow file (YAML)
        <textarea className="code" rows={14} value={source} onChange={(e) => setSource(e.target.value)} required spellCheck={false} />
      </label>
      <ErrorNote error={error} />
      {issues.length > 0 && (
        <ul className="issues">
          {issues.map((i, n) => (
            <li key={n}>
              {i.line !== undefined && (
                <strong>
                  line {i.line}
                  {i.column !== undefined ? `, column ${i.column}` : ''}
                </strong>
              )}{' '}
              {i.path && <code>{i.path}</code>} {i.message}
            </li>
          ))}
        </ul>
      )}
      {done && <OkNote>{done}</OkNote>}
      <div>
        <button type="submit" className="primary">
          Validate and deploy
        </button>
      </div>
    </form>
  );
}
