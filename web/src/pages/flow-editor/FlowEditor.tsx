/**
 * The flow editor: start from a template or empty; choose the trigger, the source connection and
 * entity, a filter and the targets with their match rules and write-back, every choice offered from the
 * connections' discovered schemas; the mapping table per target with a live preview. The YAML is the
 * one state: the form edits it through the yaml Document API (comments kept) and the YAML view beside
 * it edits the same text. Deploy shows the diff against the live version and asks to confirm.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import CodeMirror from '@uiw/react-codemirror';
import { yaml as yamlLanguage } from '@codemirror/lang-yaml';
import { api } from '../../api';
import { ErrorNote, Loading, OkNote, PageHeader } from '../../components/ui';
import { useApi, useInvalidate } from '../../hooks';
import { Link } from '../../router';
import { useSession } from '../../session';
import type { FlowDetail, Preview } from '../../types';
import { DiffView, IssueList } from './DiffView';
import { append, countAt, editFlow, emptyFlow, parseFlow, setValue, valueAt } from './flow-yaml';
import { MappingEditor } from './MappingEditor';
import { entityOf, useSchema } from './schemas';
import type { DraftPreview, FunctionInfo, Issue, Plan, Template } from './types';

type TriggerType = 'poll' | 'schedule' | 'webhook' | 'manual';
const TRIGGERS: Array<[TriggerType, string]> = [
  ['poll', 'Polling: read changes every interval'],
  ['schedule', 'Schedule (cron)'],
  ['webhook', 'Webhook: the source pushes'],
  ['manual', 'Manual: run on demand'],
];

/** Waits `ms` after the last change of `value` before returning it. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

/** The first test input of a flow text, as JSON, to start the preview from. */
function firstSample(text: string): string | null {
  const tests = valueAt(parseFlow(text), ['tests']) as Array<{ input?: Record<string, unknown> }> | undefined;
  return tests?.[0]?.input ? JSON.stringify(tests[0].input, null, 2) : null;
}

/** `/flows/new` (no name) or `/flows/:name/edit`. */
export function FlowEditor({ name }: { name?: string }) {
  const existing = useApi<FlowDetail>(`/flows/${encodeURIComponent(name ?? '')}`, { enabled: Boolean(name), staleTime: 0 });
  if (name && !existing.data) return existing.error ? <ErrorNote error={existing.error} /> : <Loading />;
  return <Editor key={name ?? 'new'} name={name} initial={existing.data?.version.source} />;
}

function Editor({ name, initial }: { name?: string; initial?: string }) {
  const { can } = useSession();
  const connections = useApi<Array<{ name: string; type: string }>>('/connections');
  const functions = useApi<FunctionInfo[]>('/mapping/functions', { staleTime: Infinity });
  const templates = useApi<Template[]>('/flow-templates', { staleTime: Infinity });
  const invalidate = useInvalidate();
  const [text, setText] = useState(initial ?? emptyFlow());
  const [started, setStarted] = useState(Boolean(initial));
  const doc = useMemo(() => parseFlow(text), [text]);
  const syntax = doc.errors.map((e): Issue => ({ path: '', message: e.message.split('\n')[0], line: e.linePos?.[0].line }));
  const edit = (fn: Parameters<typeof editFlow>[1]) => setText((t) => editFlow(t, fn));
  const at = (...path: Array<string | number>) => valueAt(doc, path);
  const str = (...path: Array<string | number>) => {
    const v = at(...path);
    return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
  };

  const sourceConnection = str('source', 'connection');
  const sourceEntityName = str('source', 'entity');
  const source = useSchema(sourceConnection || undefined);
  const sourceEntity = entityOf(source.schema, sourceEntityName);
  const triggerType = (str('trigger', 'type') || 'poll') as TriggerType;
  const targetCount = countAt(doc, ['targets']);

  // The sample the preview runs on: edited by hand, or one of the flow's test inputs.
  // A flow with tests gives its first sample to start from.
  const [sampleText, setSampleText] = useState(() => firstSample(initial ?? '') ?? '{\n  \n}');
  const sample = useMemo(() => {
    try {
      const v = JSON.parse(sampleText) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }, [sampleText]);

  // Live preview and checks of the draft, a moment after the last keystroke; an older answer never overwrites a newer one.
  const settled = useDebounced({ text, sample }, 350);
  const [preview, setPreview] = useState<DraftPreview | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const seq = useRef(0);
  useEffect(() => {
    if (!started) return;
    const mine = ++seq.current;
    const source = settled.text;
    void api<Plan>('POST', '/flows/plan', { source }).then(
      (p) => mine === seq.current && setPlan(p),
      (err: Error) => mine === seq.current && setPlan({ flow: '', action: 'invalid', liveVersion: null, issues: [{ path: '', message: err.message }], lines: [], unified: '' }),
    );
    if (settled.sample) {
      void api<DraftPreview>('POST', '/flows/preview', { source, sample: settled.sample }).then(
        (p) => mine === seq.current && setPreview(p),
        () => undefined,
      );
    }
  }, [settled, started]);
  const issues = syntax.length ? syntax : (plan?.issues ?? []);

  const [confirming, setConfirming] = useState(false);
  const [deployed, setDeployed] = useState<{ flow: string; text: string } | null>(null);
  const [deployError, setDeployError] = useState<string | null>(null);
  const deploy = async () => {
    setDeployError(null);
    try {
      const res = await api<{ version: { flow: string; version: number }; created: boolean }>('POST', '/flows', { source: text });
      setConfirming(false);
      // The flow list, its page and its versions show the new version without waiting for their next refresh.
      void invalidate('/flows');
      setDeployed({ flow: res.version.flow, text: `${res.version.flow} version ${res.version.version} ${res.created ? 'deployed' : 'was already live'}.` });
    } catch (err) {
      setDeployError((err as Error).message);
    }
  };

  if (!started) {
    return (
      <section>
        <p className="crumbs">
          <Link to="/flows">Flows</Link> /
        </p>
        <PageHeader title="New flow" />
        <p>Start from one of the journeys Syncline ships, or from an empty flow.</p>
        <div className="template-grid">
          <button
            type="button"
            className="template"
            onClick={() => {
              const first = connections.data?.[0]?.name ?? '';
              setText(emptyFlow(first));
              setStarted(true);
            }}
          >
            <strong>Start empty</strong>
            <span className="small muted">Choose everything yourself.</span>
          </button>
          {(templates.data ?? []).map((t) => (
            <button
              key={t.file}
              type="button"
              className="template"
              onClick={() => {
                setText(t.source);
                const first = firstSample(t.source);
                if (first) setSampleText(first);
                setStarted(true);
              }}
            >
              <strong>{t.name}</strong>
              <span className="small muted">{t.description}</span>
            </button>
          ))}
        </div>
        <ErrorNote error={templates.error} />
      </section>
    );
  }

  const connectionOptions = (connections.data ?? []).map((c) => (
    <option key={c.name} value={c.name}>
      {c.name} ({c.type})
    </option>
  ));

  return (
    <section className="flow-editor">
      <p className="crumbs">
        <Link to="/flows">Flows</Link> / {name && <Link to={`/flows/${encodeURIComponent(name)}`}>{name}</Link>}
      </p>
      <PageHeader title={name ? `Edit ${name}` : 'New flow'}>
        {can('admin') && (
          <button type="button" className="primary" onClick={() => setConfirming(true)} disabled={syntax.length > 0}>
            Deploy…
          </button>
        )}
      </PageHeader>
      {deployed && (
        <OkNote>
          {deployed.text} <Link to={`/flows/${encodeURIComponent(deployed.flow)}`}>Open the flow</Link> to run it or see its runs.
        </OkNote>
      )}
      {confirming && (
        <div className="panel deploy-confirm" role="dialog" aria-label="Confirm deploy">
          <h2>Deploy {plan?.flow || 'this flow'}?</h2>
          {!plan ? (
            <Loading />
          ) : plan.issues.length ? (
            <>
              <p>The flow cannot be deployed until these are fixed:</p>
              <IssueList issues={plan.issues} />
            </>
          ) : plan.action === 'unchanged' ? (
            <p>Version {plan.liveVersion} already runs exactly this text: nothing to deploy.</p>
          ) : (
            <>
              <p>{plan.action === 'create' ? 'A new flow: it starts running once deployed.' : `Changes against the live version ${plan.liveVersion}:`}</p>
              <DiffView lines={plan.lines.filter((l, i, all) => l.op !== 'same' || all.slice(Math.max(0, i - 2), i + 3).some((x) => x.op !== 'same'))} label="Changes to deploy" />
            </>
          )}
          <ErrorNote error={deployError} />
          <div className="inline-form">
            <button type="button" className="primary" disabled={!plan || plan.issues.length > 0 || plan.action === 'unchanged'} onClick={() => void deploy()}>
              Confirm deploy
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}

      <div className="editor-columns">
        <form className="editor-form" onSubmit={(e) => e.preventDefault()} aria-label="Flow settings">
          <fieldset>
            <legend>Flow</legend>
            <label>
              Name
              <input value={str('name')} onChange={(e) => edit((d) => setValue(d, ['name'], e.target.value))} pattern="[a-z0-9][a-z0-9-]*" />
            </label>
            <label>
              Description
              <input value={str('description')} onChange={(e) => edit((d) => setValue(d, ['description'], e.target.value))} />
            </label>
          </fieldset>

          <fieldset>
            <legend>Trigger</legend>
            <label>
              Starts on
              <select
                value={triggerType}
                onChange={(e) =>
                  edit((d) => {
                    const t = e.target.value as TriggerType;
                    const trigger: Record<string, unknown> = { type: t };
                    if (t === 'poll') trigger.every = '5m';
                    if (t === 'schedule') trigger.cron = '0 * * * *';
                    if (t === 'webhook') trigger.unsigned = true;
                    setValue(d, ['trigger'], trigger);
                  })
                }
              >
                {TRIGGERS.map(([t, label]) => (
                  <option key={t} value={t}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            {triggerType === 'poll' && (
              <label>
                Every
                <input value={str('trigger', 'every')} onChange={(e) => edit((d) => setValue(d, ['trigger', 'every'], e.target.value))} placeholder="5m" size={6} />
              </label>
            )}
            {triggerType === 'schedule' && (
              <label>
                Cron
                <input value={str('trigger', 'cron')} onChange={(e) => edit((d) => setValue(d, ['trigger', 'cron'], e.target.value))} placeholder="0 * * * *" />
              </label>
            )}
            {triggerType === 'webhook' && (
              <label>
                Signing secret (env:NAME)
                <input value={str('trigger', 'secret')} onChange={(e) => edit((d) => setValue(d, ['trigger', 'secret'], e.target.value))} placeholder="env:SHOP_WEBHOOK_SECRET" />
              </label>
            )}
          </fieldset>

          <fieldset>
            <legend>Source</legend>
            <label>
              Source connection
              <select value={sourceConnection} onChange={(e) => edit((d) => setValue(d, ['source', 'connection'], e.target.value))}>
                <option value="">choose…</option>
                {connectionOptions}
              </select>
            </label>
            <label>
              Source entity
              <select value={sourceEntityName} onChange={(e) => edit((d) => setValue(d, ['source', 'entity'], e.target.value))}>
                <option value="">choose…</option>
                {source.schema?.entities.map((en) => (
                  <option key={en.name} value={en.name}>
                    {en.label ? `${en.label} (${en.name})` : en.name}
                  </option>
                ))}
                {sourceEntityName && !sourceEntity && <option value={sourceEntityName}>{sourceEntityName} (not in the schema)</option>}
              </select>
            </label>
            {source.schema && (
              <p className="small muted">
                Schema {source.schema.source === 'live' ? 'discovered now' : source.schema.source === 'cache' ? `as discovered ${source.schema.discoveredAt ?? 'earlier'}` : "from the connector's declaration"}.{' '}
                <button type="button" className="link-button" onClick={source.refresh}>
                  Discover again
                </button>
              </p>
            )}
            <ErrorNote error={source.error} />
            <label>
              Filter (JSONata; records for which it is false are skipped)
              <input className="code" value={str('filter')} onChange={(e) => edit((d) => setValue(d, ['filter'], e.target.value))} placeholder="IsConverted = true" />
            </label>
          </fieldset>

          {Array.from({ length: targetCount }, (_, i) => (
            <TargetEditor
              key={i}
              index={i}
              get={(...p) => at('targets', i, ...p)}
              edit={edit}
              connectionOptions={connectionOptions}
              sourceRef={{ connection: sourceConnection, entity: sourceEntityName }}
              sourceEntity={sourceEntity}
              functions={functions.data ?? []}
              preview={preview?.preview?.targets[i]}
              issues={issues}
              sample={sample}
            />
          ))}
          <button
            type="button"
            onClick={() =>
              edit((d) =>
                append(d, ['targets'], { name: `target${countAt(d, ['targets']) + 1}`, connection: '', entity: '', mapping: {}, match: { keys: [] } }),
              )
            }
          >
            Add a target
          </button>

          <fieldset>
            <legend>Preview sample</legend>
            <label>
              Sample source record (JSON); the preview updates as you type
              <textarea className="code" rows={6} value={sampleText} onChange={(e) => setSampleText(e.target.value)} spellCheck={false} />
            </label>
            {!sample && <p className="note note-warn">The sample is not a JSON object.</p>}
            {preview?.preview && !preview.preview.passedFilter && <p className="note note-warn">The filter skips this record.</p>}
          </fieldset>
        </form>

        <div className="editor-yaml">
          <h2>YAML</h2>
          <CodeMirror value={text} height="560px" extensions={[yamlLanguage()]} onChange={(v) => setText(v)} aria-label="Flow YAML" basicSetup={{ foldGutter: false }} />
          {issues.length ? <IssueList issues={issues} /> : plan && <p className="note note-ok">No problems: every name matches the connections' schemas.</p>}
        </div>
      </div>
    </section>
  );
}

function TargetEditor(p: {
  index: number;
  get(...path: Array<string | number>): unknown;
  edit(fn: Parameters<typeof editFlow>[1]): void;
  connectionOptions: React.ReactNode;
  sourceRef: { connection: string; entity: string };
  sourceEntity: ReturnType<typeof entityOf>;
  functions: FunctionInfo[];
  preview: Preview['targets'][number] | undefined;
  issues: Issue[];
  sample: Record<string, unknown> | null;
}) {
  const i = p.index;
  const s = (...path: Array<string | number>) => {
    const v = p.get(...path);
    return typeof v === 'string' ? v : '';
  };
  const connection = s('connection');
  const entityName = s('entity');
  const target = useSchema(connection || undefined);
  const entity = entityOf(target.schema, entityName);
  const mapping = (p.get('mapping') ?? {}) as Record<string, unknown>;
  const keys = (p.get('match', 'keys') ?? []) as string[];
  const wbConnection = s('writeBack', 'connection');
  const writeBack = useSchema(wbConnection || undefined);
  const wbMapping = (p.get('writeBack', 'mapping') ?? {}) as Record<string, string>;
  const set = (path: Array<string | number>, value: unknown, flow = false) => p.edit((d) => setValue(d, ['targets', i, ...path], value, flow));
  return (
    <fieldset className="target">
      <legend>
        Target {i + 1}: {s('name')}
      </legend>
      <div className="inline-form">
        <label>
          Step name
          <input value={s('name')} onChange={(e) => set(['name'], e.target.value)} size={12} />
        </label>
        <label>
          Target connection
          <select aria-label={`Target ${i + 1} connection`} value={connection} onChange={(e) => set(['connection'], e.target.value)}>
            <option value="">choose…</option>
            {p.connectionOptions}
          </select>
        </label>
        <label>
          Target entity
          <select aria-label={`Target ${i + 1} entity`} value={entityName} onChange={(e) => set(['entity'], e.target.value)}>
            <option value="">choose…</option>
            {target.schema?.entities.map((en) => (
              <option key={en.name} value={en.name}>
                {en.label ? `${en.label} (${en.name})` : en.name}
              </option>
            ))}
            {entityName && !entity && <option value={entityName}>{entityName} (not in the schema)</option>}
          </select>
        </label>
        <label>
          Write
          <select value={s('write', 'verb') || 'upsert'} onChange={(e) => set(['write', 'verb'], e.target.value === 'upsert' ? undefined : e.target.value)}>
            <option value="upsert">upsert (update a match, else create)</option>
            <option value="create">create only</option>
            <option value="update">update only</option>
            <option value="delete">delete</option>
          </select>
        </label>
      </div>
      <fieldset className="match">
        <legend>Match rule: the mapped fields that find the existing record</legend>
        {Object.keys(mapping).map((field) => (
          <label key={field} className="checkbox">
            <input
              type="checkbox"
              checked={keys.includes(field)}
              onChange={(e) => set(['match', 'keys'], e.target.checked ? [...keys, field] : keys.filter((k) => k !== field), true)}
            />
            {field}
          </label>
        ))}
        {!Object.keys(mapping).length && <p className="small muted">Map a field first; then choose which identifies the record (an e-mail, an external id).</p>}
      </fieldset>
      <MappingEditor
        targetIndex={i}
        mapping={mapping}
        source={p.sourceRef}
        target={{ connection, entity: entityName }}
        sourceEntity={p.sourceEntity}
        targetEntity={entity}
        functions={p.functions}
        preview={p.preview}
        issues={p.issues}
        sample={p.sample}
        onRule={(field, rule) => set(['mapping', field], rule, true)}
      />
      <details className="write-back" open={Boolean(wbConnection)}>
        <summary>Write-back: after the write, update another record (the new ERP number onto the CRM record)</summary>
        <div className="inline-form">
          <label>
            Write-back connection
            <select value={wbConnection} onChange={(e) => set(['writeBack'], e.target.value ? { connection: e.target.value, entity: '', mapping: {} } : undefined)}>
              <option value="">none</option>
              {p.connectionOptions}
            </select>
          </label>
          {wbConnection && (
            <label>
              Write-back entity
              <select value={s('writeBack', 'entity')} onChange={(e) => set(['writeBack', 'entity'], e.target.value)}>
                <option value="">choose…</option>
                {writeBack.schema?.entities.map((en) => (
                  <option key={en.name} value={en.name}>
                    {en.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        {wbConnection &&
          [...Object.entries(wbMapping), ['', '']].map(([field, expr], n) => (
            <div className="inline-form" key={n}>
              <label>
                Field
                <input
                  list={`wb-fields-${i}`}
                  value={field}
                  onChange={(e) =>
                    p.edit((d) => {
                      if (field) d.deleteIn(['targets', i, 'writeBack', 'mapping', field]);
                      if (e.target.value) setValue(d, ['targets', i, 'writeBack', 'mapping', e.target.value], expr || '$result.id');
                    })
                  }
                />
              </label>
              <label>
                Value (JSONata over $result and $source)
                <input className="code" value={expr} disabled={!field} onChange={(e) => set(['writeBack', 'mapping', field], e.target.value)} />
              </label>
            </div>
          ))}
        <datalist id={`wb-fields-${i}`}>
          {entityOf(writeBack.schema, s('writeBack', 'entity'))?.fields.map((f) => (
            <option key={f.name} value={f.name} />
          ))}
        </datalist>
      </details>
    </fieldset>
  );
}
