/**
 * A dead letter opened on what failed: each failing field with its value, the rule it broke ("39 of
 * 30 characters") and who refused it (Syncline's pre-check or the target system), and inputs for the
 * source fields it is made from. Every edit re-runs the flow's mapping (the preview API, the same
 * version that failed) so the counter shows what would be sent; the edits go into the payload that
 * Replay sends.
 */
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { api } from '../api';
import type { DeadLetter, Preview } from '../types';

type Rec = Record<string, unknown>;

/** The record inside a payload (`{ record }` events) or the payload itself. */
export function recordOf(payload: unknown): Rec | null {
  const p = payload as Rec | null;
  if (!p || typeof p !== 'object' || Array.isArray(p)) return null;
  return (p.record && typeof p.record === 'object' ? p.record : p) as Rec;
}

/** The payload with the record's field `path` (dots for nesting) set to `value`. */
export function withField(payload: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(payload) as Rec;
  const rec = recordOf(copy)!;
  const parts = path.split('.');
  let node = rec;
  for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Rec;
  node[parts[parts.length - 1]] = value;
  return copy;
}

function get(rec: Rec, path: string): unknown {
  return path.split('.').reduce<unknown>((n, p) => (n && typeof n === 'object' ? (n as Rec)[p] : undefined), rec);
}

/** The character limit a rule or message states (`maxLength 30`, "longer than 30 characters"), or null. */
export function limitOf(rule: string | undefined, message: string): number | null {
  const m = /maxLength\s+(\d+)/i.exec(rule ?? '') ?? /(?:longer than|at most|more than|maximum of|max(?:imum)? length(?: of)?)\s+(\d+)\s*(?:characters|chars)?/i.exec(message) ?? /(\d+)\s+characters/i.exec(message);
  return m ? Number(m[1]) : null;
}

const length = (v: unknown) => (typeof v === 'string' ? [...v].length : null);

/** Who refused (the server's `refusedBy`): said plainly. */
function refusal(letter: DeadLetter): string {
  const d = letter.error.details as { system?: string; status?: number };
  if (letter.refusedBy === 'precheck') return "Syncline's own pre-check refused it before sending, against the target's field rules.";
  if (letter.refusedBy === 'syncline') return "Syncline's mapping refused it before sending anything.";
  return `The target system${d.system ? ` (${d.system})` : ''} refused it${d.status ? ` (HTTP ${d.status})` : ''}.`;
}

/** The failing field(s) of a dead letter, with inline edits of their sources; `payload` is the (edited) payload, `onEdit` replaces it. */
export function FailingFields({ letter, payload, editable, onEdit }: { letter: DeadLetter; payload: unknown; editable: boolean; onEdit: (next: unknown) => void }) {
  const details = letter.error.details as { field?: string; value?: unknown; rule?: string };
  const record = recordOf(payload);
  const sample = useDeferredValue(JSON.stringify(record));
  const preview = useQuery({
    queryKey: ['preview', letter.flow, letter.flowVersion, sample],
    queryFn: ({ signal }) => api<Preview>('POST', `/flows/${encodeURIComponent(letter.flow)}/preview`, { sample: JSON.parse(sample) as Rec, version: letter.flowVersion }, undefined, signal),
    enabled: record !== null,
    placeholderData: (prev) => prev,
    retry: false,
  });
  // Failing fields: the one the error names, plus any the pre-check finds in the (edited) record now.
  const names = new Set<string>();
  if (details.field) names.add(details.field);
  for (const t of preview.data?.targets ?? []) for (const e of t.errors) if (typeof e.details?.field === 'string') names.add(e.details.field);
  if (names.size === 0 || !record) return null;

  return (
    <div className="failing" aria-label="Failing fields">
      <p className="small">{refusal(letter)}</p>
      {[...names].map((field) => {
        const target = preview.data?.targets.find((t) => t.fields && field in t.fields) ?? preview.data?.targets[0];
        const lineage = target?.lineage.find((l) => l.field === field);
        const now = target?.fields?.[field] ?? details.value;
        const limit = limitOf(details.rule, letter.error.message);
        const len = length(now);
        const over = limit !== null && len !== null && len > limit;
        const precheck = target?.errors.find((e) => e.details?.field === field);
        return (
          <section key={field} className="failing-field" aria-label={`Failing field ${field}`}>
            <div className="failing-head">
              <strong>{field}</strong>
              <code data-testid="failing-value">{JSON.stringify(now)}</code>
              {limit !== null && len !== null && (
                <span className={over ? 'badge badge-bad' : 'badge badge-ok'} data-testid="counter">
                  {len} of {limit} characters
                </span>
              )}
            </div>
            <p className="small muted">
              Rule broken: {details.rule ?? letter.error.message}
              {precheck ? ` · still refused by the pre-check: ${precheck.message}` : ''}
              {lineage ? ` · made by ${lineage.rule}` : ''}
            </p>
            {lineage && lineage.sources.length > 0 ? (
              <div className="row">
                {lineage.sources.map((src) => {
                  const v = get(record, src);
                  return (
                    <label key={src}>
                      {src} <span className="muted small">({length(v) ?? 0} characters)</span>
                      <input value={typeof v === 'string' ? v : JSON.stringify(v ?? '')} readOnly={!editable} onChange={(e) => onEdit(withField(payload, src, e.target.value))} />
                    </label>
                  );
                })}
              </div>
            ) : (
              <p className="small muted">This value does not come from a source field: change the flow's mapping to fix it.</p>
            )}
          </section>
        );
      })}
    </div>
  );
}
