/**
 * Path templates and dotted paths. Substituted values are URL-encoded and dot segments refused, so a
 * record id can never step outside the path it was meant for.
 */
import { SyncError } from '../../core/errors.js';

/** Values for `{name}` placeholders in a path template. */
export type PathValues = Record<string, unknown>;

/** Fills `{name}` placeholders with URL-encoded values; throws invalid_data for empty or dot-segment values and fatal for unknown names. */
export function fillPath(template: string, values: PathValues): string {
  // A loop over the matches, not replace() with a callback: that callback would be a new function on
  // every call, whose optimised code V8 drops at each full collection (docs/decisions/0021-hot-paths-without-per-call-closures.md).
  let out = '';
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    out += template.slice(last, m.index) + pathSegment(template, m[1], values);
    last = m.index! + m[0].length;
  }
  return last === 0 ? template : out + template.slice(last);
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The encoded value of placeholder `name` of `template`, or an error that names it. */
function pathSegment(template: string, name: string, values: PathValues): string {
  if (!(name in values)) throw new SyncError('fatal', `path template "${template}" uses {${name}}, which this operation does not supply`, { system: 'http' });
  const raw = values[name];
  const text = raw === null || raw === undefined ? '' : String(raw);
  // `.` and `..` survive encodeURIComponent and URL parsers collapse them (even as %2e), so refuse them.
  if (text === '' || text === '.' || text === '..') {
    throw new SyncError('invalid_data', `value ${JSON.stringify(text)} cannot be used in a path`, { system: 'http', field: name, value: text, rule: 'non-empty path segment' });
  }
  return encodeURIComponent(text);
}

/** Joins the base URL and a path (which may carry its own query) and appends extra query params. */
export function buildUrl(baseUrl: string, path: string, query: Record<string, string | number | undefined> = {}): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

/** Reads a dotted path (`data.items`) from a value; an empty or missing path returns the value itself. */
export function getPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let cur: unknown = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
