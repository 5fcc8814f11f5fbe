/**
 * A connection's settings as a form generated from its connector's settings schema (react-jsonschema-form):
 * labels and help from the schema's titles and descriptions, choices from its enums, secrets as
 * write-only password fields, errors next to the field they concern (the browser's check first,
 * then the server's). "Connect with …" sends the browser to the vendor's OAuth page instead of
 * asking for the credential the vendor hands out.
 */
import Form from '@rjsf/core';
import type { RJSFSchema, UiSchema, ErrorSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useState } from 'react';
import { api, ApiError } from '../api';
import type { Connection, ConnectionType } from '../types';
import { ErrorNote } from './ui';

type Values = Record<string, unknown>;

/** Removes `names` from every `required` list in a schema (a stored secret need not be typed again). */
function withoutRequired(schema: unknown, names: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => withoutRequired(s, names));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'required' && Array.isArray(v) ? v.filter((n) => !names.has(String(n))) : withoutRequired(v, names);
  return out;
}

/** Server issues (`{ path, message }`, path like `clientId` or `rateLimits.perDay`) as the form's per-field errors. */
function fieldErrors(issues: Array<{ path: string; message: string }>): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const issue of issues) {
    const parts = issue.path.replace(/^\//, '').split(/[./]/).filter(Boolean);
    if (parts.length === 0) continue;
    let node = root;
    for (const p of parts) node = (node[p] ??= {}) as Record<string, unknown>;
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), issue.message.replace(/^[^:]*:\s*/, '')];
  }
  return root as ErrorSchema;
}

/** The add or edit form of one connection; `existing` switches to editing (type and name fixed, secrets optional). */
export function ConnectionForm({ types, existing, onSaved }: { types: ConnectionType[]; existing?: Connection; onSaved: (name: string) => void }) {
  const [name, setName] = useState(existing?.name ?? '');
  const [type, setType] = useState(existing?.type ?? types[0]?.type ?? '');
  const def = types.find((t) => t.type === type);
  const [values, setValues] = useState<Values>(() => ({ ...(existing?.settings ?? {}) }));
  const [serverErrors, setServerErrors] = useState<ErrorSchema | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const secrets = useMemo(() => new Set(def?.secretFields ?? []), [def]);

  const schema = useMemo(() => {
    if (!def) return {} as RJSFSchema;
    // Stored secrets are kept unless a new value is typed; the credential "Connect with …" obtains is never typed.
    const optional = new Set(existing ? def.secretFields : []);
    if (def.authorization) optional.add(def.authorization.credentialSetting);
    const { $schema: _drop, ...rest } = withoutRequired(def.settingsSchema, optional) as Record<string, unknown>;
    return rest as RJSFSchema;
  }, [def, existing]);
  const uiSchema = useMemo(() => {
    const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } };
    const props = ((schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {});
    for (const s of secrets) {
      const stored = existing?.secretNames.includes(s);
      // A structured secret (an auth object) keeps its generated fields; it is still stored encrypted and never shown.
      if (props[s]?.type !== 'string') {
        ui[s] = { 'ui:description': stored ? 'Secret, set: fill in to replace it.' : 'Secret: stored encrypted, never shown again.' };
        continue;
      }
      ui[s] = { 'ui:widget': 'password', 'ui:autocomplete': 'off', 'ui:placeholder': stored ? 'set: type a new value to replace it' : 'secret: stored encrypted, never shown again' };
    }
    return ui;
  }, [secrets, existing, schema]);

  const split = () => {
    const settings: Values = {};
    const secretValues: Values = {};
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) continue;
      if (secrets.has(k)) {
        if (v !== '') secretValues[k] = v;
      } else settings[k] = v;
    }
    return { settings, secrets: secretValues };
  };
  const failed = (err: unknown) => {
    if (err instanceof ApiError && Array.isArray(err.body.issues)) setServerErrors(fieldErrors(err.body.issues as Array<{ path: string; message: string }>));
    setError((err as Error).message);
  };
  const save = async () => {
    setError(null);
    setServerErrors(undefined);
    setBusy(true);
    const { settings, secrets: secretValues } = split();
    try {
      if (existing) {
        await api('PUT', `/connections/${encodeURIComponent(existing.name)}`, { settings });
        if (Object.keys(secretValues).length) await api('POST', `/connections/${encodeURIComponent(existing.name)}/secrets`, { secrets: secretValues });
      } else {
        await api('POST', '/connections', { name, type, settings, secrets: secretValues });
      }
      onSaved(existing?.name ?? name);
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };
  const connect = async () => {
    setError(null);
    setServerErrors(undefined);
    if (!existing && !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(name)) return setError('Name: lower-case letters, digits, _ and - (for example "salesforce-prod").');
    setBusy(true);
    try {
      const { settings, secrets: secretValues } = split();
      const res = await api<{ authorizeUrl: string }>('POST', `/connections/${encodeURIComponent(existing?.name ?? name)}/authorize`, { type, settings, secrets: secretValues });
      // The vendor's login page; it returns the browser to the hub, which then opens the Connections page.
      window.location.assign(res.authorizeUrl);
    } catch (err) {
      failed(err);
      setBusy(false);
    }
  };

  return (
    <div className="panel stack connection-form">
      {!existing && (
        <div className="row">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} pattern="[a-z0-9][a-z0-9_\-]{0,62}" required />
          </label>
          <label>
            Connector
            <select
              aria-label="Connector"
              value={type}
              onChange={(e) => {
                setType(e.target.value);
                setValues({});
                setServerErrors(undefined);
              }}
            >
              {types.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {def && <p className="small muted">{def.description}</p>}
      {def?.authorization && (
        <p className="small">
          Fill in the connected app's consumer key (and secret), then <strong>{def.authorization.label}</strong>: you sign in at Salesforce and allow access, and Syncline keeps the refresh token it is given.
        </p>
      )}
      {def && (
        <Form
          key={type}
          schema={schema}
          uiSchema={uiSchema}
          formData={values}
          validator={validator}
          extraErrors={serverErrors}
          showErrorList={false}
          // "must match 'then' schema" repeats, at the root, the field errors already shown beside each field.
          transformErrors={(errors) => errors.filter((e) => e.name !== 'if')}
          noHtml5Validate
          onChange={(e) => setValues((e.formData ?? {}) as Values)}
          onSubmit={() => void save()}
        >
          <ErrorNote error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              {existing ? 'Save changes' : 'Add connection'}
            </button>
            {def.authorization && (
              <button type="button" className="primary" disabled={busy} onClick={() => void connect()}>
                {def.authorization.label}
              </button>
            )}
          </div>
        </Form>
      )}
    </div>
  );
}
