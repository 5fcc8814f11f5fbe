/** Value maps: picklists, status codes, grades declared in a flow (`valueMaps`) or inline on a rule. */

/** A compiled value map: exact keys first, then keys compared trimmed and case-insensitively. */
export interface ValueMap {
  exact: Map<string, unknown>;
  loose: Map<string, unknown>;
}

/** Builds a ValueMap once per flow version. */
export function compileValueMap(entries: Record<string, unknown>): ValueMap {
  const exact = new Map<string, unknown>();
  const loose = new Map<string, unknown>();
  for (const [k, v] of Object.entries(entries)) {
    exact.set(k, v);
    const lk = k.trim().toLowerCase();
    if (!loose.has(lk)) loose.set(lk, v);
  }
  return { exact, loose };
}

/** Looks a value up; returns `fallback` on a miss (or null when none is given). Numbers and booleans are looked up by their text. */
export function lookupValue(map: ValueMap, value: unknown, fallback: unknown = null): unknown {
  if (value === undefined || value === null) return fallback;
  const key = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (key === undefined) return fallback;
  const hit = map.exact.get(key);
  if (hit !== undefined) return hit;
  const loose = map.loose.get(key.trim().toLowerCase());
  return loose !== undefined ? loose : fallback;
}

/** `$lookup(mapName, value, default?)` bound to one flow's value maps. An unknown map name is an error, not a miss. */
export function makeLookup(maps: ReadonlyMap<string, ValueMap>): (mapName: unknown, value: unknown, fallback?: unknown) => unknown {
  return (mapName, value, fallback) => {
    const map = typeof mapName === 'string' ? maps.get(mapName) : undefined;
    if (!map) throw new Error(`$lookup: no value map named ${JSON.stringify(mapName)} in this flow`);
    return lookupValue(map, value, fallback === undefined ? null : fallback);
  };
}
