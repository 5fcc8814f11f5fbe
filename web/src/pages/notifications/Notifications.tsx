/**
 * Notifications: the alerts open now (acknowledge, silence), their history, the rules that raise them
 * and the channels they are sent through. Every action is the /api/v1/alerts call a script can make.
 */
import { useState } from 'react';
import { api } from '../../api';
import { Badge, ErrorNote, Loading, OkNote, PageHeader } from '../../components/ui';
import { ago, time } from '../../format';
import { useApi, useInvalidate } from '../../hooks';
import { Link, useRoute } from '../../router';
import { useSession } from '../../session';
import type { Alert, AlertChannel, AlertDelivery, AlertKinds, AlertRule, EvaluationSummary } from '../../types';
import { ChannelForm } from './ChannelForm';
import { RuleForm } from './RuleForm';

const SILENCES = ['1h', '4h', '1d', '7d'];
/** True while a silence set on the alert is in force (as of this render). */
const silencedNow = (a: Alert) => a.silencedUntil !== null && Date.parse(a.silencedUntil) > Date.now();

export function Notifications() {
  const { can } = useSession();
  const { search } = useRoute();
  const invalidate = useInvalidate();
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const selected = search.get('alert');
  const refresh = () => invalidate('/alerts');
  const act = async (what: () => Promise<string>) => {
    setNote(null);
    setError(null);
    try {
      setNote(await what());
      await refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const evaluate = () =>
    act(async () => {
      const s = await api<EvaluationSummary>('POST', '/alerts/evaluate');
      return s.evaluated
        ? `Evaluated ${s.rules} rule${s.rules === 1 ? '' : 's'}: ${s.opened} opened, ${s.resolved} resolved, ${s.ongoing} still firing; ${s.sent} notification${s.sent === 1 ? '' : 's'} sent${s.failed ? `, ${s.failed} failed (retried with back-off)` : ''}.`
        : 'Another server process is evaluating the rules right now; its alerts appear here.';
    });
  return (
    <section>
      <PageHeader title="Notifications">
        {can('operator') && (
          <button type="button" onClick={() => void evaluate()}>
            Evaluate now
          </button>
        )}
      </PageHeader>
      {note && <OkNote>{note}</OkNote>}
      <ErrorNote error={error} />
      {selected && <AlertDetail id={selected} />}
      <ActiveAlerts act={act} />
      <Rules />
      <Channels />
      <History />
    </section>
  );
}

function AlertText({ alert }: { alert: Alert }) {
  return (
    <>
      <p className="alert-text">{alert.text}</p>
      <p className="small">
        {alert.links.map((l) => (
          <span key={l.path}>
            <Link to={l.path}>{l.label}</Link>{' '}
          </span>
        ))}
      </p>
    </>
  );
}

function ActiveAlerts({ act }: { act: (what: () => Promise<string>) => Promise<void> }) {
  const { can } = useSession();
  const { data, error } = useApi<Alert[]>('/alerts?status=active', { refetchInterval: 10_000 });
  const acknowledge = (a: Alert) =>
    act(async () => {
      await api<Alert>('POST', `/alerts/${a.id}/acknowledge`);
      return `Acknowledged “${a.title}”.`;
    });
  const silence = (a: Alert, period: string) =>
    act(async () => {
      await api<Alert>('POST', `/alerts/${a.id}/silence`, { for: period });
      return `Silenced “${a.title}” for ${period}.`;
    });
  return (
    <section aria-labelledby="active-alerts">
      <h2 id="active-alerts">Open alerts</h2>
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="muted">Nothing is alerting.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">State</th>
                <th scope="col">Rule</th>
                <th scope="col">Opened</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Badge status={a.severity} /> <Link to={`/notifications?alert=${encodeURIComponent(a.id)}`}>{a.title}</Link>
                    <AlertText alert={a} />
                  </th>
                  <td>
                    <Badge status={a.status} />
                    {a.acknowledgedBy && <span className="small muted"> by {a.acknowledgedBy}</span>}
                    {silencedNow(a) && <span className="small muted"> silenced until {time(a.silencedUntil)}</span>}
                  </td>
                  <td>{a.rule}</td>
                  <td title={time(a.openedAt)}>{ago(a.openedAt)}</td>
                  <td className="nowrap">
                    {can('operator') && a.status === 'open' && (
                      <button type="button" onClick={() => void acknowledge(a)}>
                        Acknowledge
                      </button>
                    )}
                    {can('operator') && (
                      <select aria-label={`Silence ${a.title}`} value="" onChange={(e) => e.target.value && void silence(a, e.target.value)}>
                        <option value="">Silence for…</option>
                        {SILENCES.map((s) => (
                          <option key={s} value={s}>
                            {s}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AlertDetail({ id }: { id: string }) {
  const { data, error } = useApi<{ alert: Alert; deliveries: AlertDelivery[] }>(`/alerts/${encodeURIComponent(id)}`, { refetchInterval: 5_000 });
  if (error) return <ErrorNote error={error} />;
  if (!data) return <Loading />;
  const { alert, deliveries } = data;
  return (
    <div className="panel stack" aria-label="Alert">
      <h2>
        <Badge status={alert.severity} /> {alert.title} <Badge status={alert.status} />
      </h2>
      <AlertText alert={alert} />
      <p className="small muted">
        Rule {alert.rule} ({alert.kind}) · subject {alert.subject} · opened {time(alert.openedAt)} · last seen {time(alert.lastSeenAt)}
        {alert.resolvedAt && ` · resolved ${time(alert.resolvedAt)}`}
      </p>
      <h3>Deliveries</h3>
      {deliveries.length === 0 ? (
        <p className="muted small">Not sent anywhere (the rule has no channels, or the alert was silenced).</p>
      ) : (
        <table className="dense" aria-label="Deliveries">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Sent / next try</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id}>
                <th scope="row">{d.channel}</th>
                <td>{d.event}</td>
                <td>
                  <Badge status={d.status} />
                </td>
                <td>{d.attempts}</td>
                <td>{d.sentAt ? time(d.sentAt) : d.status === 'pending' ? time(d.nextAt) : '—'}</td>
                <td className="small">{d.lastError ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Rules() {
  const { can } = useSession();
  const rules = useApi<AlertRule[]>('/alerts/rules');
  const kinds = useApi<AlertKinds>('/alerts/kinds', { staleTime: Infinity });
  const channels = useApi<AlertChannel[]>('/alerts/channels');
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const title = (kind: string) => kinds.data?.rules.find((k) => k.kind === kind)?.title ?? kind;
  const remove = async (r: AlertRule) => {
    setError(null);
    try {
      await api('DELETE', `/alerts/rules/${encodeURIComponent(r.name)}`);
      void rules.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <section aria-labelledby="alert-rules">
      <h2 id="alert-rules">
        Rules{' '}
        {can('operator') && (
          <button type="button" aria-expanded={editing === 'new'} onClick={() => setEditing(editing === 'new' ? null : 'new')}>
            New rule
          </button>
        )}
      </h2>
      {editing && kinds.data && (
        <RuleForm
          key={editing === 'new' ? 'new' : editing.name}
          kinds={kinds.data}
          channels={channels.data ?? []}
          existing={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void rules.reload();
          }}
        />
      )}
      <ErrorNote error={error ?? rules.error} />
      {!rules.data ? (
        <Loading />
      ) : rules.data.length === 0 ? (
        <p className="muted">No rules yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">When</th>
                <th scope="col">Sends to</th>
                <th scope="col">Last evaluated</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rules.data.map((r) => (
                <tr key={r.name}>
                  <th scope="row">
                    {r.name} {!r.enabled && <Badge status="paused" />}
                  </th>
                  <td>
                    {title(r.kind)}
                    {Object.keys(r.params).length > 0 && <span className="small muted"> {Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(', ')}</span>}
                  </td>
                  <td>{r.channels.join(', ') || <span className="muted">console only</span>}</td>
                  <td>
                    {ago(r.lastEvaluatedAt)}
                    {r.lastError && <p className="note note-bad small">{r.lastError}</p>}
                  </td>
                  <td className="nowrap">
                    {can('operator') && (
                      <>
                        <button type="button" onClick={() => setEditing(r)}>
                          Edit
                        </button>
                        <button type="button" onClick={() => void remove(r)}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Channels() {
  const { can } = useSession();
  const channels = useApi<AlertChannel[]>('/alerts/channels');
  const kinds = useApi<AlertKinds>('/alerts/kinds', { staleTime: Infinity });
  const [editing, setEditing] = useState<AlertChannel | 'new' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: () => Promise<string>) => {
    setNote(null);
    setError(null);
    try {
      setNote(await what());
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const test = (c: AlertChannel) =>
    run(async () => {
      const res = await api<{ ok: boolean; message: string }>('POST', `/alerts/channels/${encodeURIComponent(c.name)}/test`);
      if (!res.ok) throw new Error(res.message);
      return res.message;
    });
  const remove = (c: AlertChannel) =>
    run(async () => {
      await api('DELETE', `/alerts/channels/${encodeURIComponent(c.name)}`);
      void channels.reload();
      return `Deleted ${c.name}.`;
    });
  return (
    <section aria-labelledby="alert-channels">
      <h2 id="alert-channels">
        Channels{' '}
        {can('admin') && (
          <button type="button" aria-expanded={editing === 'new'} onClick={() => setEditing(editing === 'new' ? null : 'new')}>
            Add a channel
          </button>
        )}
      </h2>
      {editing && kinds.data && (
        <ChannelForm
          key={editing === 'new' ? 'new' : editing.name}
          kinds={kinds.data}
          existing={editing === 'new' ? undefined : editing}
          onCancel={() => setEditing(null)}
          onSaved={(name) => {
            setEditing(null);
            setNote(`Saved channel ${name}.`);
            void channels.reload();
          }}
        />
      )}
      {note && <OkNote>{note}</OkNote>}
      <ErrorNote error={error ?? channels.error} />
      {!channels.data ? (
        <Loading />
      ) : channels.data.length === 0 ? (
        <p className="muted">No channels yet: alerts show here only.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Type</th>
                <th scope="col">Settings</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {channels.data.map((c) => (
                <tr key={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>{c.type}</td>
                  <td className="small">
                    {Object.entries(c.settings).map(([k, v]) => `${k}: ${String(v)}`).join(' · ')}
                    {c.secretNames.length > 0 && <span className="muted"> · secrets set: {c.secretNames.join(', ')}</span>}
                  </td>
                  <td className="nowrap">
                    {can('admin') && (
                      <>
                        <button type="button" onClick={() => void test(c)}>
                          Send a test
                        </button>
                        <button type="button" onClick={() => setEditing(c)}>
                          Edit
                        </button>
                        <button type="button" onClick={() => void remove(c)}>
                          Delete
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function History() {
  const { data, error } = useApi<Alert[]>('/alerts?status=all&limit=50');
  return (
    <section aria-labelledby="alert-history">
      <h2 id="alert-history">History</h2>
      <ErrorNote error={error} />
      {!data ? (
        <Loading />
      ) : data.length === 0 ? (
        <p className="muted">No alerts yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="dense">
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">State</th>
                <th scope="col">Opened</th>
                <th scope="col">Resolved</th>
              </tr>
            </thead>
            <tbody>
              {data.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link to={`/notifications?alert=${encodeURIComponent(a.id)}`}>{a.title}</Link>
                  </th>
                  <td>
                    <Badge status={a.status} />
                  </td>
                  <td>{time(a.openedAt)}</td>
                  <td>{time(a.resolvedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
