/** Create or edit an alert rule: name, kind, the kind's params (a form from its schema), channels, enabled. */
import { useState } from 'react';
import { api } from '../../api';
import { ErrorNote } from '../../components/ui';
import type { AlertChannel, AlertKinds, AlertRule } from '../../types';
import { SpecForm, useSpecSave } from './SpecForm';

export function RuleForm({ kinds, channels, existing, onSaved, onCancel }: { kinds: AlertKinds; channels: AlertChannel[]; existing?: AlertRule; onSaved: (name: string) => void; onCancel: () => void }) {
  const [name, setName] = useState(existing?.name ?? '');
  const [kind, setKind] = useState(existing?.kind ?? kinds.rules[0]?.kind ?? '');
  const [params, setParams] = useState<Record<string, unknown>>(existing?.params ?? {});
  const [chosen, setChosen] = useState<string[]>(existing?.channels ?? []);
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const def = kinds.rules.find((k) => k.kind === kind);
  const { error, fieldErrors, setFieldErrors, busy, save: saveAs } = useSpecSave('dead-letters-to-ops', async (n) => {
    await api('PUT', `/alerts/rules/${encodeURIComponent(n)}`, { kind, params, channels: chosen, enabled });
    onSaved(n);
  });
  const save = () => saveAs(name);

  return (
    <div className="panel stack" aria-label={existing ? `Edit rule ${existing.name}` : 'New rule'}>
      <div className="row">
        <label>
          Rule name
          <input value={name} disabled={Boolean(existing)} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          When
          <select
            aria-label="Rule kind"
            value={kind}
            onChange={(e) => {
              setKind(e.target.value);
              setParams({});
              setFieldErrors(undefined);
            }}
          >
            {kinds.rules.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      {def && <p className="small muted">{def.description}</p>}
      <fieldset>
        <legend>Send to</legend>
        {channels.length === 0 && <p className="small muted">No channels yet: add one below, or save the rule and see its alerts here only.</p>}
        {channels.map((c) => (
          <label key={c.name} className="inline">
            <input type="checkbox" checked={chosen.includes(c.name)} onChange={(e) => setChosen(e.target.checked ? [...chosen, c.name] : chosen.filter((x) => x !== c.name))} /> {c.name}{' '}
            <span className="muted small">({c.type})</span>
          </label>
        ))}
      </fieldset>
      <label className="inline">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      {def && (
        <SpecForm key={kind} schema={def.schema} values={params} onChange={setParams} errors={fieldErrors} onSubmit={() => void save()}>
          <ErrorNote error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {existing ? 'Save rule' : 'Create rule'}
            </button>
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </SpecForm>
      )}
    </div>
  );
}
