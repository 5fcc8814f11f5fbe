/**
 * Source paths for plain copies (`BillingAddress.City`, `Lines[0].Sku`, `` `Field Name`.x ``), compiled to
 * direct property access: no JSONata, no allocation per record.
 */

/** One step: a property name or an array index. */
export type PathStep = string | number;

/** Splits a path into steps; throws on malformed text. */
export function parsePath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  let i = 0;
  const n = path.length;
  const fail = (why: string): never => {
    throw new Error(`invalid source path ${JSON.stringify(path)}: ${why}`);
  };
  if (path.trim() === '') fail('empty');
  while (i < n) {
    if (path[i] === '`') {
      const end = path.indexOf('`', i + 1);
      if (end < 0) fail('unclosed backquote');
      steps.push(path.slice(i + 1, end));
      i = end + 1;
    } else {
      let j = i;
      while (j < n && path[j] !== '.' && path[j] !== '[') j++;
      const name = path.slice(i, j).trim();
      if (name === '') fail(`empty name at ${i}`);
      steps.push(name);
      i = j;
    }
    while (i < n && path[i] === '[') {
      const end = path.indexOf(']', i);
      if (end < 0) fail('unclosed [');
      const idx = path.slice(i + 1, end).trim();
      if (!/^\d+$/.test(idx)) fail(`index must be a whole number, got [${idx}]`);
      steps.push(Number(idx));
      i = end + 1;
    }
    if (i < n) {
      if (path[i] !== '.') fail(`unexpected ${JSON.stringify(path[i])} at ${i}`);
      i++;
      if (i === n) fail('trailing dot');
    }
  }
  return steps;
}

/** A getter for a parsed path: undefined when any step is missing. */
export type Getter = (record: unknown) => unknown;

/** Compiles a path to the fastest getter for its depth. */
export function compilePath(path: string): Getter {
  const steps = parsePath(path);
  // Names such as `constructor` or `__proto__` must not reach Object.prototype: those paths check own properties.
  if (steps.some((s) => typeof s === 'string' && s in Object.prototype)) {
    return (r) => {
      let cur: unknown = r;
      for (const s of steps) {
        if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return undefined;
        cur = (cur as Record<PathStep, unknown>)[s];
      }
      return cur;
    };
  }
  if (steps.length <= 4) return generatedGetter(steps);
  if (steps.length === 1) {
    const a = steps[0];
    return (r) => (r !== null && typeof r === 'object' ? (r as Record<PathStep, unknown>)[a] : undefined);
  }
  if (steps.length === 2) {
    const [a, b] = steps;
    return (r) => {
      if (r === null || typeof r !== 'object') return undefined;
      const x = (r as Record<PathStep, unknown>)[a];
      return x !== null && typeof x === 'object' ? (x as Record<PathStep, unknown>)[b] : undefined;
    };
  }
  return (r) => {
    let cur: unknown = r;
    for (const s of steps) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<PathStep, unknown>)[s];
    }
    return cur;
  };
}

/**
 * A getter generated for one short path, so each copy has its own property-load site: one shared `r[key]`
 * site for every field of every flow turns megamorphic and costs several times a plain load. Keys enter the
 * code only through JSON.stringify; names that exist on Object.prototype never come here.
 */
function generatedGetter(steps: PathStep[]): Getter {
  let body = 'let c = r;\n';
  for (const s of steps) {
    body += `if (c === null || typeof c !== 'object') return undefined;\nc = c[${JSON.stringify(s)}];\n`;
  }
  return new Function('r', body + 'return c;') as Getter;
}

/** The path in lineage notation (`Lines[0].Sku`). */
export function formatPath(steps: PathStep[]): string {
  let out = '';
  for (const s of steps) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += (out === '' ? '' : '.') + (/^[A-Za-z_$][\w$]*$/.test(s) ? s : `\`${s}\``);
  }
  return out;
}
