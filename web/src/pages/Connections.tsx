/** Connections: status, a test button, settings, and write-only secret fields. */
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { Badge, ErrorNote, HealthNote, Json, Loading, OkNote, PageHeader } from '../components/ui';
import { ago } from '../format';
import { useApi } from '../hooks';
import { useSession } from '../session';
import type { Check, Connection, ConnectionType } from '../types';

export function Connections() {
  const { can } = useSession();
  const { data, error, reload } = useApi<Connection[]>('/connections');
  const types = useApi<ConnectionType[]>('/connection-types');
  const [adding, setAdding] = useState(false);
  return (
    <section>
      <PageHeader title="Connections">
        {can('admin') && (
          <button type="button" aria-expanded={adding} onClick={() => setAdding(!adding)}>
            Add a connection
          </button>
        )}
      </PageHeader>
      {adding && types.data && <AddConnection types={types.data} onAdded={() => void reload()} />}
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="muted">No connections yet.</p>
      ) : (
        <div className="cards">
          {data.map((c) => (
            <ConnectionCard key={c.name} connection={c} type={types.data?.find((t) => t.type === c.type)} onChanged={() => void reload()} />
          ))}
        </div>
      )}
    </section>
  );
}

function ConnectionCard({ connection: c, type, onChanged }: { connection: Connection; type?: ConnectionType; onChanged: () => void }) {
  const { can } = useSession();
  const [check, setCheck] = useState<Check | null>(c.lastCheck);
  // A successful Test clears a refused credential on the server (and resumes the flows): hide the note then.
  const health = check?.ok && c.health && check.at > c.health.at ? null : c.health;
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [rotating, setRotating] = useState(false);
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
  const secretFields = type?.secretFields ?? c.secretNames;
  return (
    <article className="panel card" aria-labelledby={`conn-${c.name}`}>
      <header className="card-head">
        <h2 id={`conn-${c.name}`}>{c.name}</h2>
        <span className="muted">{c.label ?? c.type}</span>
        {check ? <Badge status={check.ok ? 'ok' : 'failed'} /> : <span className="badge badge-muted">not tested</span>}
      </header>
      <HealthNote health={health} />
      {check && (
        <p className={check.ok ? 'small' : 'small bad'}>
          {check.message} <span className="muted">({ago(check.at)})</span>
        </p>
      )}
      <ErrorNote error={error} />
      <div className="actions">
        {can('operator') && (
          <button type="button" onClick={() => void test()} disabled={testing}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        )}
        {can('admin') && (
          <button type="button" aria-expanded={rotating} onClick={() => setRotating(!rotating)}>
            Rotate secrets
          </button>
        )}
      </div>
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

function AddConnection({ types, onAdded }: { types: ConnectionType[]; onAdded: () => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState(types[0]?.type ?? '');
  const [settings, setSettings] = useState('{\n}');
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const def = types.find((t) => t.type === type);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const secretValues: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(secrets)) if (v !== '') secretValues[k] = v.trim().startsWith('{') ? JSON.parse(v) : v;
      await api('POST', '/connections', { name, type, settings: JSON.parse(settings), secrets: secretValues });
      setDone(`Added ${name}.`);
      onAdded();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form className="panel stack" onSubmit={submit}>
      <div className="row">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} pattern="[a-z0-9][a-z0-9_\-]{0,62}" required />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {def && <p className="small muted">{def.description}</p>}
      <label>
        Settings (JSON)
        <textarea className="code" rows={8} value={settings} onChange={(e) => setSettings(e.target.value)} spellCheck={false} />
      </label>
      {def?.secretFields.map((f) => (
        <label key={f}>
          {f} <span className="muted small">(secret: stored encrypted, never shown again)</span>
          <input type="password" autoComplete="off" value={secrets[f] ?? ''} onChange={(e) => setSecrets({ ...secrets, [f]: e.target.value })} />
        </label>
      ))}
      <ErrorNote error={error} />
      {done && <OkNote>{done}</OkNote>}
      <div>
        <button type="submit" className="primary">
          Add connection
        </button>
      </div>
    </form>
  );
}
