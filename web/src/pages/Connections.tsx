/** Connections: a form per connector type (from its settings schema), "Connect with …" by OAuth, health, budget, the flows using each, test, edit and delete. */
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Meter } from '../components/Chart';
import { ConnectionForm } from '../components/ConnectionForm';
import { Badge, ErrorNote, HealthNote, Json, Loading, OkNote, PageHeader } from '../components/ui';
import { ago } from '../format';
import { useApi } from '../hooks';
import { Link, useRoute } from '../router';
import { useSession } from '../session';
import type { Check, Connection, ConnectionType } from '../types';

export function Connections() {
  const { can } = useSession();
  const { search } = useRoute();
  const { data, error, reload } = useApi<Connection[]>('/connections');
  const types = useApi<ConnectionType[]>('/connection-types');
  const [adding, setAdding] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  // Back from "Connect with …": the hub says how it went in the query.
  const authorized = search.get('authorized');
  const authorizeError = search.get('authorizeError');
  return (
    <section>
      <PageHeader title="Connections">
        {can('admin') && (
          <button type="button" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            Add a connection
          </button>
        )}
      </PageHeader>
      {authorized && <OkNote>Connected “{authorized}”: Syncline holds its refresh token now.</OkNote>}
      <ErrorNote error={authorizeError} />
      {note && <OkNote>{note}</OkNote>}
      {adding && types.data && (
        <ConnectionForm
          types={types.data}
          onSaved={(name) => {
            setAdding(false);
            setNote(`Added ${name}.`);
            void reload();
          }}
        />
      )}
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="muted">No connections yet.</p>
      ) : (
        <div className="cards">
          {data.map((c) => (
            <ConnectionCard key={c.name} connection={c} types={types.data ?? []} onChanged={() => void reload()} onDeleted={() => setNote(`Deleted ${c.name}.`)} />
          ))}
        </div>
      )}
    </section>
  );
}

function ConnectionCard({ connection: c, types, onChanged, onDeleted }: { connection: Connection; types: ConnectionType[]; onChanged: () => void; onDeleted: () => void }) {
  const { can } = useSession();
  const type = types.find((t) => t.type === c.type);
  const [check, setCheck] = useState<Check | null>(c.lastCheck);
  // A successful Test clears a refused credential on the server (and resumes the flows): hide the note then.
  const health = check?.ok && c.health && check.at > c.health.at ? null : c.health;
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rotating, setRotating] = useState(false);
  const [editing, setEditing] = useState(false);
  const test = async () => {
    setTesting(true);
    setError(null);
    try {
      setCheck(await api<Check>('POST', `/connections/${encodeURIComponent(c.name)}/test`));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setTesting(false);
    }
  };
  const remove = async () => {
    setError(null);
    if (!confirm(`Delete the connection ${c.name}? Its settings and secrets are removed.`)) return;
    try {
      await api('DELETE', `/connections/${encodeURIComponent(c.name)}`);
      onDeleted();
      onChanged();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const secretFields = type?.secretFields ?? c.secretNames;
  const usedBy = c.usedBy ?? [];
  return (
    <article className="panel card" aria-labelledby={`conn-${c.name}`}>
      <header className="card-head">
        <h2 id={`conn-${c.name}`}>{c.name}</h2>
        <span className="muted">{c.label ?? c.type}</span>
        {check ? <Badge status={check.ok ? 'ok' : 'failed'} /> : <span className="badge badge-muted">not tested</span>}
      </header>
      <HealthNote health={health} />
      {check && (
        <p className={check.ok ? 'small' : 'small bad'} data-testid="last-check">
          {check.ok ? check.message : `Last error: ${check.message}`} <span className="muted">({check.info?.checked ? `${check.info.checked}, ` : ''}{ago(check.at)})</span>
          {check.info?.technical && (
            <details className="muted">
              <summary>Technical detail</summary>
              <code>{check.info.technical}</code>
            </details>
          )}
        </p>
      )}
      <ErrorNote error={error} />
      <dl className="facts">
        <dt>API budget today</dt>
        <dd>{c.budget ? <Meter used={c.budget.used} limit={c.budget.limit} label={`${c.name} API calls used today`} /> : <span className="muted">no calls counted</span>}</dd>
        <dt>Used by</dt>
        <dd data-testid="used-by">
          {usedBy.length === 0 ? (
            <span className="muted">no flow</span>
          ) : (
            usedBy.map((u) => (
              <span key={u.flow} className="chip">
                <Link to={`/flows/${encodeURIComponent(u.flow)}`}>{u.flow}</Link> <span className="muted small">{u.as.join(', ')}</span>
              </span>
            ))
          )}
        </dd>
      </dl>
      <div className="actions">
        {can('operator') && (
          <button type="button" onClick={() => void test()} disabled={testing}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        )}
        {can('admin') && (
          <>
            <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
              Edit
            </button>
            <button type="button" aria-expanded={rotating} onClick={() => setRotating(!rotating)}>
              Rotate secrets
            </button>
            <button type="button" className="danger" onClick={() => void remove()}>
              Delete
            </button>
          </>
        )}
      </div>
      {editing && type && (
        <ConnectionForm
          types={types}
          existing={c}
          onSaved={() => {
            setEditing(false);
            setCheck(null);
            onChanged();
          }}
        />
      )}
      <h3>Secrets</h3>
      <p className="small">
        {secretFields.length === 0
          ? 'This connector has no secret settings.'
          : secretFields.map((s) => (
              <span key={s} className="chip">
                {s}: {c.secretNames.includes(s) ? 'set' : 'not set'}
              </span>
            ))}
      </p>
      {rotating && <RotateSecrets name={c.name} fields={secretFields} onDone={() => { setRotating(false); setCheck(null); onChanged(); }} />}
      <details>
        <summary>Settings</summary>
        <Json value={c.settings} label={`${c.name} settings`} />
      </details>
    </article>
  );
}

/** Secret inputs are password fields that start empty: a secret can be replaced, never read. */
function RotateSecrets({ name, fields, onDone }: { name: string; fields: string[]; onDone: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const secrets: Record<string, unknown> = {};
    try {
      for (const [k, v] of Object.entries(values)) if (v !== '') secrets[k] = v.trim().startsWith('{') ? JSON.parse(v) : v;
      await api('POST', `/connections/${encodeURIComponent(name)}/secrets`, { secrets });
      onDone();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="stack" onSubmit={submit}>
      {fields.map((f) => (
        <label key={f}>
          New {f} <span className="muted small">(text, or JSON for structured secrets)</span>
          <input type="password" autoComplete="off" value={values[f] ?? ''} onChange={(e) => setValues({ ...values, [f]: e.target.value })} />
        </label>
      ))}
      <ErrorNote error={error} />
      <div>
        <button type="submit" className="primary" disabled={Object.values(values).every((v) => v === '')}>
          Save new secrets
        </button>
      </div>
    </form>
  );
}
