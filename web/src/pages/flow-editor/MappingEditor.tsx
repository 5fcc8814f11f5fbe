/**
 * The mapping table of one target: per target field a source field, a library function with its
 * parameters, a JSONata expression or a constant, a value map edited as a table and a default; beside
 * each, the live preview's value and why, and the field's error. Suggestions for unmapped fields are
 * applied only on a click.
 */
import { useMemo, useState } from 'react';
import { api } from '../../api';
import { ErrorNote } from '../../components/ui';
import type { Preview } from '../../types';
import { readRule, writeRule, type RuleKind, type RuleModel } from './mapping-rules';
import type { EntitySpec, FieldSpec, FunctionInfo, Issue, Suggestion } from './types';

interface Props {
  targetIndex: number;
  /** The target's mapping as written (target field → rule). */
  mapping: Record<string, unknown>;
  source: { connection: string; entity: string };
  target: { connection: string; entity: string };
  sourceEntity: EntitySpec | undefined;
  targetEntity: EntitySpec | undefined;
  functions: FunctionInfo[];
  /** This target's part of the live preview. */
  preview: Preview['targets'][number] | undefined;
  /** Problems of the whole flow (the rows show theirs). */
  issues: Issue[];
  /** The sample record the preview runs on, for the suggestions' value profiles. */
  sample: Record<string, unknown> | null;
  /** Writes a field's rule (undefined removes it). */
  onRule(field: string, rule: unknown): void;
}

const KINDS: Array<[RuleKind, string]> = [
  ['none', 'not mapped'],
  ['field', 'source field'],
  ['function', 'function'],
  ['expr', 'JSONata'],
  ['value', 'constant'],
];

function describeField(f: FieldSpec | undefined): string {
  if (!f) return 'not in the schema';
  return [f.type, f.maxLength !== undefined ? `≤${f.maxLength}` : '', f.required ? 'required' : ''].filter(Boolean).join(', ');
}

export function MappingEditor(props: Props) {
  const { mapping, targetEntity, sourceEntity, functions, preview, issues, targetIndex } = props;
  const fnNames = useMemo(() => new Set(functions.map((f) => f.name)), [functions]);
  const [showAll, setShowAll] = useState(false);
  const [newField, setNewField] = useState('');
  const mapped = Object.keys(mapping);
  const specs = new Map((targetEntity?.fields ?? []).map((f) => [f.name, f]));
  const writable = (targetEntity?.fields ?? []).filter((f) => !f.readOnly && !mapped.includes(f.name));
  const shown = [...mapped, ...writable.filter((f) => showAll || f.required).map((f) => f.name)];
  const hidden = writable.filter((f) => !f.required).length;
  const listId = `source-fields-${targetIndex}`;

  return (
    <div className="mapping-editor">
      <datalist id={listId}>
        {(sourceEntity?.fields ?? []).map((f) => (
          <option key={f.name} value={f.name}>
            {f.type}
          </option>
        ))}
      </datalist>
      <div className="table-wrap">
        <table className="dense mapping-table">
          <thead>
            <tr>
              <th scope="col">Target field</th>
              <th scope="col">From</th>
              <th scope="col">Rule</th>
              <th scope="col">Default</th>
              <th scope="col">Preview: value and why</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((field) => (
              <MappingRow
                key={field}
                field={field}
                spec={specs.get(field)}
                model={readRule(mapping[field], fnNames)}
                listId={listId}
                functions={functions}
                lineage={preview?.lineage.find((l) => l.field === field)}
                error={preview?.errors.find((e) => (e.details as { field?: string } | undefined)?.field === field)?.message}
                issues={issues.filter((i) => i.path === `targets/${targetIndex}/mapping/${field}` || i.path.startsWith(`targets/${targetIndex}/mapping/${field}/`))}
                onChange={(m) => props.onRule(field, writeRule(m))}
              />
            ))}
          </tbody>
        </table>
      </div>
      <div className="inline-form">
        {hidden > 0 && (
          <button type="button" className="link-button" onClick={() => setShowAll((s) => !s)}>
            {showAll ? 'Show mapped and required fields only' : `Show all ${writable.length} unmapped fields`}
          </button>
        )}
        <label>
          Add a target field
          <input value={newField} onChange={(e) => setNewField(e.target.value)} placeholder="custom.erpCustomerNo" list={`target-fields-${targetIndex}`} />
        </label>
        <datalist id={`target-fields-${targetIndex}`}>
          {writable.map((f) => (
            <option key={f.name} value={f.name} />
          ))}
        </datalist>
        <button
          type="button"
          disabled={!newField.trim()}
          onClick={() => {
            props.onRule(newField.trim(), { value: '' });
            setNewField('');
          }}
        >
          Add field
        </button>
      </div>
      <Suggestions {...props} mapped={mapped} />
    </div>
  );
}

function MappingRow(p: {
  field: string;
  spec: FieldSpec | undefined;
  model: RuleModel;
  listId: string;
  functions: FunctionInfo[];
  lineage: { rule: string; value: unknown } | undefined;
  error: string | undefined;
  issues: Issue[];
  onChange(m: RuleModel): void;
}) {
  const { field, model: m, onChange } = p;
  const set = (patch: Partial<RuleModel>) => onChange({ ...m, ...patch });
  const fn = p.functions.find((f) => f.name === m.fn);
  const [mapOpen, setMapOpen] = useState(m.map !== null);
  const problem = p.error ?? p.issues[0]?.message;
  return (
    <>
      <tr className={problem ? 'row-error' : undefined}>
        <th scope="row">
          <code>{field}</code>
          <div className="small muted">{describeField(p.spec)}</div>
        </th>
        <td>
          <select aria-label={`Rule for ${field}`} value={m.kind} onChange={(e) => set({ kind: e.target.value as RuleKind, fn: m.fn || p.functions[0]?.name || '' })}>
            {KINDS.map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </td>
        <td className="rule-editor">
          {(m.kind === 'field' || m.kind === 'function') && (
            <>
              {m.kind === 'function' && (
                <select aria-label={`Function for ${field}`} value={m.fn} onChange={(e) => set({ fn: e.target.value, args: [] })} title={fn?.summary}>
                  {p.functions.map((f) => (
                    <option key={f.name} value={f.name}>
                      ${f.name}
                    </option>
                  ))}
                </select>
              )}
              <input aria-label={`Source field for ${field}`} list={p.listId} value={m.from} onChange={(e) => set({ from: e.target.value })} placeholder="source field" />
              {m.kind === 'function' &&
                fn?.params.map((param, i) => (
                  <input
                    key={param.name}
                    aria-label={`${param.name} of ${field}`}
                    title={param.help}
                    placeholder={param.name}
                    value={m.args[i] ?? ''}
                    onChange={(e) => {
                      const args = [...m.args];
                      args[i] = e.target.value;
                      set({ args });
                    }}
                  />
                ))}
            </>
          )}
          {m.kind === 'expr' && <input className="code" aria-label={`Expression for ${field}`} value={m.expr} onChange={(e) => set({ expr: e.target.value })} placeholder='FirstName & " " & LastName' />}
          {m.kind === 'value' && <input aria-label={`Constant for ${field}`} value={m.value} onChange={(e) => set({ value: e.target.value })} />}
          {m.kind !== 'none' && m.kind !== 'value' && !m.mapName && (
            <button type="button" className="link-button small" aria-expanded={mapOpen} onClick={() => (mapOpen ? (setMapOpen(false), set({ map: null })) : (setMapOpen(true), set({ map: m.map ?? [['', '']] })))}>
              {mapOpen ? 'No value map' : 'Value map…'}
            </button>
          )}
          {m.mapName && <span className="small muted"> then value map “{m.mapName}”</span>}
        </td>
        <td>
          <input aria-label={`Default for ${field}`} value={m.default} onChange={(e) => set({ default: e.target.value })} size={8} />
        </td>
        <td className="preview-cell" aria-live="polite">
          {p.lineage && (
            <>
              <code>{JSON.stringify(p.lineage.value)}</code>
              <div className="small muted">{p.lineage.rule}</div>
            </>
          )}
          {problem && (
            <div className="field-error" role="alert">
              {problem}
            </div>
          )}
        </td>
      </tr>
      {mapOpen && m.map && (
        <tr className="value-map-row">
          <td />
          <td colSpan={4}>
            <table className="dense value-map" aria-label={`Value map for ${field}`}>
              <thead>
                <tr>
                  <th scope="col">Source value</th>
                  <th scope="col">Becomes</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {m.map.map(([from, to], i) => (
                  <tr key={i}>
                    <td>
                      <input aria-label={`Value map ${field} row ${i + 1} source`} value={from} onChange={(e) => set({ map: m.map!.map((r, j) => (j === i ? [e.target.value, r[1]] : r)) })} />
                    </td>
                    <td>
                      <input aria-label={`Value map ${field} row ${i + 1} target`} value={to} onChange={(e) => set({ map: m.map!.map((r, j) => (j === i ? [r[0], e.target.value] : r)) })} />
                    </td>
                    <td>
                      <button type="button" className="link-button" onClick={() => set({ map: m.map!.filter((_, j) => j !== i) })}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="button" className="link-button" onClick={() => set({ map: [...m.map!, ['', '']] })}>
              Add a value
            </button>
          </td>
        </tr>
      )}
    </>
  );
}

function Suggestions(props: Props & { mapped: string[] }) {
  const [list, setList] = useState<Suggestion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ask = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ suggestions: Suggestion[] }>('POST', '/mapping/suggest', {
        source: props.source,
        target: props.target,
        mapped: props.mapped,
        samples: props.sample ? [props.sample] : [],
      });
      setList(res.suggestions);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const open = (list ?? []).filter((s) => !props.mapped.includes(s.target));
  return (
    <div className="suggestions">
      <button type="button" onClick={() => void ask()} disabled={busy || !props.source.entity || !props.target.entity}>
        Suggest mappings for unmapped fields
      </button>
      <ErrorNote error={error} />
      {list && !open.length && <p className="muted">No suggestions: every field with a likely source is mapped.</p>}
      {open.length > 0 && (
        <table className="dense" aria-label="Mapping suggestions">
          <thead>
            <tr>
              <th scope="col">Target field</th>
              <th scope="col">Source field</th>
              <th scope="col">Confidence</th>
              <th scope="col">Why</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {open.map((s) => (
              <tr key={`${s.target}<-${s.source}`}>
                <th scope="row">
                  <code>{s.target}</code>
                </th>
                <td>
                  <code>{s.source}</code>
                </td>
                <td>{Math.round(s.confidence * 100)}%</td>
                <td className="small">{s.reasons.join('; ')}</td>
                <td>
                  <button type="button" onClick={() => props.onRule(s.target, s.source)} aria-label={`Apply ${s.source} to ${s.target}`}>
                    Apply
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
