/**
 * A form generated from a rule kind's params or a channel type's settings (react-jsonschema-form, as
 * the connection forms): labels and help from the schema, enums as selects, secrets as write-only
 * password fields, the server's per-field errors beside their field. The caller renders the buttons.
 */
import Form from '@rjsf/core';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../../api';

type Values = Record<string, unknown>;

/** Server issues (`{ path, message }`) as the form's per-field errors. */
export function issuesToErrors(issues: unknown): ErrorSchema | undefined {
  if (!Array.isArray(issues)) return undefined;
  const root: Record<string, { __errors: string[] }> = {};
  for (const i of issues as Array<{ path: string; message: string }>) {
    const name = i.path.split(/[./]/)[0];
    if (!name) continue;
    (root[name] ??= { __errors: [] }).__errors.push(i.message.replace(/^[^:]*:\s*/, ''));
  }
  return root as unknown as ErrorSchema;
}

export function SpecForm({
  schema,
  values,
  onChange,
  secretFields = [],
  storedSecrets = [],
  errors,
  onSubmit,
  children,
}: {
  schema: Record<string, unknown>;
  values: Values;
  onChange: (v: Values) => void;
  secretFields?: string[];
  /** Secrets already stored: optional here, shown as "set". */
  storedSecrets?: string[];
  errors?: ErrorSchema;
  onSubmit: () => void;
  children: ReactNode;
}) {
  const formSchema = useMemo(() => {
    // Title and description are shown by the page; a stored secret need not be typed again.
    const { $schema: _s, title: _t, description: _d, ...rest } = schema as Record<string, unknown>;
    const required = Array.isArray(rest.required) ? (rest.required as string[]).filter((n) => !storedSecrets.includes(n)) : rest.required;
    return { ...rest, required } as RJSFSchema;
  }, [schema, storedSecrets]);
  const uiSchema = useMemo(() => {
    const ui: UiSchema = { 'ui:submitButtonOptions': { norender: true } };
    for (const s of secretFields) {
      const stored = storedSecrets.includes(s);
      ui[s] = { 'ui:widget': 'password', 'ui:autocomplete': 'off', 'ui:placeholder': stored ? 'set: type a new value to replace it' : 'secret: stored encrypted, never shown again' };
    }
    return ui;
  }, [secretFields, storedSecrets]);
  return (
    <Form
      schema={formSchema}
      uiSchema={uiSchema}
      formData={values}
      validator={validator}
      extraErrors={errors}
      showErrorList={false}
      noHtml5Validate
      onChange={(e) => onChange((e.formData ?? {}) as Values)}
      onSubmit={() => onSubmit()}
    >
      {children}
    </Form>
  );
}

/** Names a channel or rule may have (the admin API's rule). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The save state both notification forms share: checks the name, runs `put`, and turns a refusal into
 * the form's message and per-field errors.
 */
export function useSpecSave(example: string, put: (name: string) => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<ErrorSchema | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const save = async (name: string) => {
    setError(null);
    setFieldErrors(undefined);
    if (!NAME.test(name)) return setError(`Name: letters, digits, dots, _ and - (for example "${example}").`);
    setBusy(true);
    try {
      await put(name);
    } catch (err) {
      if (err instanceof ApiError) setFieldErrors(issuesToErrors(err.body.issues));
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { error, fieldErrors, setFieldErrors, busy, save };
}
