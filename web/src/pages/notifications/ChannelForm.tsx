/** Create or edit a notification channel: e-mail (SMTP), Slack-compatible webhook or signed webhook; secrets write-only. */
import { useState } from 'react';
import { api } from '../../api';
import { ErrorNote } from '../../components/ui';
import type { AlertChannel, AlertKinds } from '../../types';
import { SpecForm, useSpecSave } from './SpecForm';

export function ChannelForm({ kinds, existing, onSaved, onCancel }: { kinds: AlertKinds; existing?: AlertChannel; onSaved: (name: string) => void; onCancel: () => void }) {
  const [name, setName] = useState(existing?.name ?? '');
  const [type, setType] = useState(existing?.type ?? kinds.channels[0]?.type ?? '');
  const [values, setValues] = useState<Record<string, unknown>>(existing?.settings ?? {});
  const def = kinds.channels.find((c) => c.type === type);
  const stored = existing && existing.type === type ? existing.secretNames : [];
  const { error, fieldErrors, setFieldErrors, busy, save: saveAs } = useSpecSave('ops-email', async (n) => {
    // An empty secret field keeps the stored value.
    const settings = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && !(def?.secretFields.includes(k) && v === '')));
    await api('PUT', `/alerts/channels/${encodeURIComponent(n)}`, { type, settings });
    onSaved(n);
  });
  const save = () => saveAs(name);

  return (
    <div className="panel stack" aria-label={existing ? `Edit channel ${existing.name}` : 'New channel'}>
      <div className="row">
        <label>
          Channel name
          <input value={name} disabled={Boolean(existing)} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Type
          <select
            aria-label="Channel type"
            value={type}
            onChange={(e) => {
              setType(e.target.value);
              setValues({});
              setFieldErrors(undefined);
            }}
          >
            {kinds.channels.map((c) => (
              <option key={c.type} value={c.type}>
                {c.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      {def && (
        <SpecForm key={type} schema={def.schema} values={values} onChange={setValues} secretFields={def.secretFields} storedSecrets={stored} errors={fieldErrors} onSubmit={() => void save()}>
          <ErrorNote error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {existing ? 'Save channel' : 'Add channel'}
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
