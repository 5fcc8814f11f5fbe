/**
 * The TIMS bridge contract (docs/connectors/tims-contract.yaml) as a test oracle: loads the YAML with
 * `yaml`, compiles its schemas with one Ajv 2020 instance scoped to the tests, and checks a recorded
 * request/response pair against the operation it names. Used for both sides: the emulator's answers
 * and the connector's requests. A mismatch is a list of problems, each naming where.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';

/** The contract file. */
export const CONTRACT_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/connectors/tims-contract.yaml');
/** Path prefix of every operation (the servers' base path). */
export const CONTRACT_PREFIX = '/api/v1';

type Json = Record<string, unknown>;

/** One recorded exchange, as the emulator logs it. */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
  responseHeaders: Record<string, string>;
}

const addFormats = ((addFormatsImport as unknown as { default?: typeof addFormatsImport }).default ?? addFormatsImport) as unknown as (ajv: Ajv2020) => Ajv2020;

/** The parsed contract with its compiled schemas. */
export class TimsContract {
  readonly doc: Json;
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();
  private readonly routes: Array<{ template: string; regex: RegExp; names: string[]; item: Json }>;

  constructor(text = readFileSync(CONTRACT_PATH, 'utf8')) {
    this.doc = parse(text) as Json;
    this.ajv = addFormats(new Ajv2020({ allErrors: true, strict: false }));
    this.ajv.addSchema(this.doc, 'tims');
    this.routes = Object.entries(this.doc.paths as Json).map(([template, item]) => {
      const names: string[] = [];
      const regex = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
      return { template, regex, names, item: item as Json };
    });
  }

  /** The contract's version (`info.version`). */
  get version(): string {
    return String((this.doc.info as Json).version);
  }

  /** Every operation as `METHOD /template`. */
  operations(): string[] {
    return this.routes.flatMap((r) => Object.keys(r.item).filter((k) => ['get', 'post', 'patch', 'put', 'delete'].includes(k)).map((m) => `${m.toUpperCase()} ${r.template}`));
  }

  /** A named component schema's validator (`Customer`). */
  schema(name: string): ValidateFunction {
    return this.compile({ $ref: `tims#/components/schemas/${name}` }, `component:${name}`);
  }

  /** The property names a component schema declares. */
  properties(name: string): string[] {
    const s = ((this.doc.components as Json).schemas as Json)[name] as Json;
    return Object.keys((s.properties as Json) ?? {});
  }

  /** The operation a request names (`GET /customers/{customerCode}`), with its path parameters; null when the contract has none. */
  match(method: string, fullPath: string): { key: string; op: Json; item: Json; params: Record<string, string> } | null {
    if (!fullPath.startsWith(`${CONTRACT_PREFIX}/`)) return null;
    const p = fullPath.slice(CONTRACT_PREFIX.length);
    for (const r of this.routes) {
      const m = r.regex.exec(p);
      const op = r.item[method.toLowerCase()] as Json | undefined;
      if (!m || !op) continue;
      return { key: `${method.toUpperCase()} ${r.template}`, op, item: r.item, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
    }
    return null;
  }

  /** Problems of the request side: unknown operation, query or path parameters, body. */
  checkRequest(call: Pick<RecordedCall, 'method' | 'path' | 'query' | 'headers' | 'body'>): string[] {
    const where = `${call.method} ${call.path}`;
    const found = this.match(call.method, call.path);
    if (!found) return [`${where}: no such operation in the contract`];
    const problems: string[] = [];
    const params = [...((found.item.parameters as Json[]) ?? []), ...((found.op.parameters as Json[]) ?? [])].map((p) => this.deref(p));
    const auth = call.headers.authorization ?? '';
    if (!/^Bearer \S+$/.test(auth)) problems.push(`${where}: no bearer API key`);
    for (const [name, value] of Object.entries(call.query)) {
      const p = params.find((x) => x.in === 'query' && x.name === name);
      if (!p) {
        problems.push(`${where}: query parameter "${name}" is not in the contract`);
        continue;
      }
      problems.push(...this.validate(p.schema as Json, coerce(p.schema as Json, value), `${where} ?${name}`));
    }
    for (const [name, value] of Object.entries(found.params)) {
      const p = params.find((x) => x.in === 'path' && x.name === name);
      if (p) problems.push(...this.validate(p.schema as Json, value, `${where} {${name}}`));
    }
    for (const p of params.filter((x) => x.in === 'header')) {
      const value = call.headers[String(p.name).toLowerCase()];
      if (value !== undefined) problems.push(...this.validate(p.schema as Json, value, `${where} header ${String(p.name)}`));
    }
    const rb = found.op.requestBody as Json | undefined;
    if (rb) {
      if (call.body === undefined) problems.push(`${where}: the contract requires a body`);
      else problems.push(...this.validate(jsonSchemaOf(rb), call.body, `${where} body`));
    } else if (call.body !== undefined) problems.push(`${where}: the contract takes no body`);
    return problems;
  }

  /** Problems of the response side: status not declared, body not matching, 429 without Retry-After. */
  checkResponse(call: Pick<RecordedCall, 'method' | 'path' | 'status' | 'response' | 'responseHeaders'>): string[] {
    const where = `${call.method} ${call.path} → ${call.status}`;
    const found = this.match(call.method, call.path);
    if (!found) return [`${call.method} ${call.path}: no such operation in the contract`];
    const responses = found.op.responses as Json;
    const declared = responses[String(call.status)] as Json | undefined;
    if (!declared) return [`${where}: status not declared for ${found.key} (declared: ${Object.keys(responses).join(', ')})`];
    const res = this.deref(declared);
    const problems = res.content ? this.validate(jsonSchemaOf(res), call.response, where) : [];
    for (const name of Object.keys((res.headers as Json) ?? {})) {
      if (call.responseHeaders[name.toLowerCase()] === undefined) problems.push(`${where}: header ${name} missing`);
    }
    return problems;
  }

  private deref(o: Json): Json {
    const ref = o.$ref;
    if (typeof ref !== 'string') return o;
    return ref
      .slice(2)
      .split('/')
      .reduce<Json>((acc, k) => acc[k.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, this.doc);
  }

  private validate(schema: Json, value: unknown, where: string): string[] {
    const v = this.compile(schema, JSON.stringify(schema));
    if (v(value)) return [];
    return (v.errors ?? []).slice(0, 5).map((e) => `${where}: ${e.instancePath || '/'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }

  private compile(schema: Json, cacheKey: string): ValidateFunction {
    let v = this.cache.get(cacheKey);
    if (!v) {
      // Inline schemas refer to components with document-local refs; point them at the loaded document.
      const rebased = JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"tims#/')) as Json;
      v = this.ajv.compile(rebased);
      this.cache.set(cacheKey, v);
    }
    return v;
  }
}

function jsonSchemaOf(o: Json): Json {
  return ((o.content as Json)['application/json'] as Json).schema as Json;
}

/** Query strings are text; an integer parameter is checked as the number it spells. */
function coerce(schema: Json, value: string): unknown {
  if (schema.type === 'integer' && /^-?\d+$/.test(value)) return Number(value);
  return value;
}

let shared: TimsContract | null = null;
/** The contract, parsed and compiled once per test file. */
export function timsContract(): TimsContract {
  return (shared ??= new TimsContract());
}
