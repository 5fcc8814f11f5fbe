/**
 * The part of the GraphQL query language the X3 API's read clients send: one query operation
 * (optionally named, with variable definitions), nested selection sets, aliases, and arguments whose
 * values are literals (string, number, boolean, null, enum, list, object) or `$variables`.
 * Mutations, fragments and directives are refused as unsupported by this emulator.
 */

/** A GraphQL value after variables are substituted. */
export type GqlValue = string | number | boolean | null | GqlValue[] | { [k: string]: GqlValue };

/** One field of a selection set. */
export interface GqlField {
  /** The name the answer uses (the alias, else the field name). */
  key: string;
  name: string;
  args: Record<string, GqlValue>;
  selections: GqlField[] | null;
}

/** The request is not GraphQL this emulator reads (answered as a GraphQL error). */
export class GqlSyntaxError extends Error {}

type Tok = { t: 'punct' | 'name' | 'string' | 'number' | 'var'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/[\s,]/.test(c) || c === '\ufeff') i++;
    else if (c === '#') while (i < src.length && src[i] !== '\n') i++;
    else if ('{}():[]!=@'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else if (c === '.' && src.startsWith('...', i)) throw new GqlSyntaxError('fragments are not supported by this emulator');
    else if (c === '$') {
      const m = /^\$([_A-Za-z][_0-9A-Za-z]*)/.exec(src.slice(i));
      if (!m) throw new GqlSyntaxError(`Syntax Error: Expected Name after "$" at ${i}`);
      out.push({ t: 'var', v: m[1] });
      i += m[0].length;
    } else if (c === '"') {
      if (src.startsWith('"""', i)) {
        const end = src.indexOf('"""', i + 3);
        if (end < 0) throw new GqlSyntaxError('Syntax Error: Unterminated string.');
        out.push({ t: 'string', v: src.slice(i + 3, end) });
        i = end + 3;
        continue;
      }
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length || src[i] === '\n') throw new GqlSyntaxError('Syntax Error: Unterminated string.');
        const ch = src[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const e = src[i + 1];
          if (e === 'u') {
            v += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
          } else {
            v += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[e] ?? e;
            i += 2;
          }
        } else {
          v += ch;
          i++;
        }
      }
      out.push({ t: 'string', v });
    } else if (/[-\d]/.test(c)) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) throw new GqlSyntaxError(`Syntax Error: Unexpected "${c}".`);
      out.push({ t: 'number', v: m[0] });
      i += m[0].length;
    } else if (/[_A-Za-z]/.test(c)) {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(src.slice(i))!;
      out.push({ t: 'name', v: m[0] });
      i += m[0].length;
    } else throw new GqlSyntaxError(`Syntax Error: Unexpected character "${c}".`);
  }
  return out;
}

/** Parses a query document into its root selections, with `variables` substituted. */
export function parseQuery(src: string, variables: Record<string, GqlValue> = {}): GqlField[] {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isPunct = (v: string) => peek()?.t === 'punct' && peek().v === v;
  const expect = (v: string) => {
    if (!isPunct(v)) throw new GqlSyntaxError(`Syntax Error: Expected "${v}", found ${peek() ? `"${peek().v}"` : '<EOF>'}.`);
    p++;
  };
  const name = (): string => {
    const k = peek();
    if (k?.t !== 'name') throw new GqlSyntaxError(`Syntax Error: Expected Name, found ${k ? `"${k.v}"` : '<EOF>'}.`);
    p++;
    return k.v;
  };
  const skipType = () => {
    if (isPunct('[')) {
      p++;
      skipType();
      expect(']');
    } else name();
    if (isPunct('!')) p++;
  };
  const value = (): GqlValue => {
    const k = peek();
    if (!k) throw new GqlSyntaxError('Syntax Error: Expected value, found <EOF>.');
    p++;
    if (k.t === 'var') {
      if (!Object.hasOwn(variables, k.v)) throw new GqlSyntaxError(`Variable "$${k.v}" is not defined.`);
      return variables[k.v];
    }
    if (k.t === 'string') return k.v;
    if (k.t === 'number') return Number(k.v);
    if (k.t === 'name') return k.v === 'true' ? true : k.v === 'false' ? false : k.v === 'null' ? null : k.v;
    if (k.v === '[') {
      const list: GqlValue[] = [];
      while (!isPunct(']')) list.push(value());
      p++;
      return list;
    }
    if (k.v === '{') {
      const obj: Record<string, GqlValue> = {};
      while (!isPunct('}')) {
        const key = name();
        expect(':');
        obj[key] = value();
      }
      p++;
      return obj;
    }
    throw new GqlSyntaxError(`Syntax Error: Unexpected "${k.v}".`);
  };
  const selectionSet = (): GqlField[] => {
    expect('{');
    const fields: GqlField[] = [];
    while (!isPunct('}')) {
      if (isPunct('@')) throw new GqlSyntaxError('directives are not supported by this emulator');
      const key = name();
      let fieldName = key;
      if (isPunct(':')) {
        p++;
        fieldName = name();
      }
      const args: Record<string, GqlValue> = {};
      if (isPunct('(')) {
        p++;
        while (!isPunct(')')) {
          const a = name();
          expect(':');
          args[a] = value();
        }
        p++;
      }
      fields.push({ key, name: fieldName, args, selections: isPunct('{') ? selectionSet() : null });
    }
    p++;
    return fields;
  };

  if (peek()?.t === 'name') {
    const op = name();
    if (op === 'mutation' || op === 'subscription') throw new GqlSyntaxError(`${op} operations are not supported by this emulator (it serves reads)`);
    if (op !== 'query') throw new GqlSyntaxError(`Syntax Error: Unexpected Name "${op}".`);
    if (peek()?.t === 'name') name();
    if (isPunct('(')) {
      p++;
      while (!isPunct(')')) {
        const k = peek();
        if (k?.t !== 'var') throw new GqlSyntaxError('Syntax Error: Expected variable definition.');
        p++;
        expect(':');
        skipType();
        if (isPunct('=')) {
          p++;
          const dflt = value();
          if (!Object.hasOwn(variables, k.v)) variables = { ...variables, [k.v]: dflt };
        }
      }
      p++;
    }
  }
  const root = selectionSet();
  if (p !== toks.length) throw new GqlSyntaxError(`Syntax Error: Unexpected "${toks[p].v}".`);
  return root;
}
