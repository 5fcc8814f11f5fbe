/**
 * Secrets in flow files. A flow file is shown to every viewer (the flows API, the console, diffs)
 * and kept in git, so a secret must not be written in it: a webhook `secret` is a reference,
 * `env:NAME` (an environment variable of the server) or `connection:NAME/FIELD` (a secret field of a
 * connection, encrypted in the store; FIELD may be a dotted path such as `webhook.secret`). A literal is refused when the flow is validated, and any
 * literal already stored (deployed before this rule) is redacted wherever a flow is shown.
 */
import { isScalar, parseDocument } from 'yaml';
import type { FlowDef } from '../core/flow.js';
import type { Store } from '../store/types.js';
import { decodeSecrets } from './connection-settings.js';
import { resolveEnvRefs } from './settings.js';

/** What a redacted secret shows. */
export const REDACTED = '<redacted>';

/** `connection:NAME/FIELD`, FIELD a dotted path into the connection's secrets (`webhook.secret`). */
const CONNECTION_REF = /^connection:([^/\s]+)\/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)$/;

/** The paths in a flow definition that hold secrets. */
const SECRET_PATHS: ReadonlyArray<readonly string[]> = [['trigger', 'secret']];

/** True when `value` refers to a secret instead of holding one. */
export function isSecretRef(value: string): boolean {
  return /^env:[A-Za-z_][A-Za-z0-9_]*$/.test(value) || CONNECTION_REF.test(value);
}

/** Why a flow's secrets are not acceptable, per path (literal values), for the loader's issues. */
export function literalSecretIssues(def: FlowDef): Array<{ path: string; message: string }> {
  const secret = def.trigger.type === 'webhook' || def.trigger.type === 'outboundMessage' ? def.trigger.secret : undefined;
  if (secret === undefined || isSecretRef(secret)) return [];
  return [
    {
      path: 'trigger/secret',
      message:
        'a secret written in a flow file is shown to everyone who can read the flow; put it in an environment variable and write `secret: env:NAME`, or in a connection secret and write `secret: connection:NAME/FIELD`',
    },
  ];
}

/** Resolves a secret reference (`env:NAME`, `connection:NAME/FIELD`) to its value; a literal (an old flow) is returned as it is. Throws with the reason when the reference cannot be resolved. */
export async function resolveSecretRef(value: string, store: Store): Promise<string> {
  const m = CONNECTION_REF.exec(value);
  if (!m) return resolveEnvRefs(value);
  const row = await store.getConnection(m[1]);
  if (!row) throw new Error(`connection "${m[1]}" (referenced as "${value}") does not exist`);
  let secret: unknown = decodeSecrets(row.secrets);
  for (const part of m[2].split('.')) secret = secret && typeof secret === 'object' && Object.hasOwn(secret, part) ? (secret as Record<string, unknown>)[part] : undefined;
  if (typeof secret !== 'string' || secret === '') throw new Error(`connection "${m[1]}" has no secret "${m[2]}" (referenced as "${value}")`);
  return secret;
}

/** A flow definition with literal secrets replaced by REDACTED. */
export function redactFlowDefinition<T>(definition: T): T {
  const copy = structuredClone(definition) as Record<string, unknown>;
  for (const path of SECRET_PATHS) {
    let node: unknown = copy;
    for (const key of path.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    const last = path[path.length - 1];
    if (node && typeof node === 'object') {
      const v = (node as Record<string, unknown>)[last];
      if (typeof v === 'string' && !isSecretRef(v)) (node as Record<string, unknown>)[last] = REDACTED;
    }
  }
  return copy as T;
}

/** A flow file's text with literal secrets replaced by REDACTED, the rest byte for byte as written. */
export function redactFlowSource(source: string): string {
  const doc = parseDocument(source);
  const cuts: Array<[number, number]> = [];
  for (const path of SECRET_PATHS) {
    const node = doc.getIn(path, true);
    if (isScalar(node) && typeof node.value === 'string' && !isSecretRef(node.value) && node.range) cuts.push([node.range[0], node.range[1]]);
  }
  let out = source;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) out = `${out.slice(0, start)}"${REDACTED}"${out.slice(end)}`;
  return out;
}
