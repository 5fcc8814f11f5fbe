/**
 * The OpenAPI 3.1 document, assembled from the same route table and schemas that register and
 * validate the routes, so the document cannot drift from what the server does. (JSON Schema
 * 2020-12 is OpenAPI 3.1's schema dialect, so the route schemas go in as they are.)
 */
import type { AnyRoute, Schema } from './route.js';
import { errorSchema } from './schemas.js';

/** The `x-min-role` and security of a route, plus everything OpenAPI needs. */
export function buildOpenApi(routes: AnyRoute[], info: { version: string } = { version: '1' }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = '/api/v1' + r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const parameters = [
      ...paramsOf(r.schema.params, 'path'),
      ...paramsOf(r.schema.querystring, 'query'),
    ];
    const responses: Record<string, unknown> = {};
    for (const [code, schema] of Object.entries(r.schema.response)) responses[code] = { description: code.startsWith('2') ? 'Success' : 'Error', content: { 'application/json': { schema } } };
    responses['4XX'] = { description: 'Error (401 not signed in, 403 role too low or CSRF, 404, 409, 422, 429)', content: { 'application/json': { schema: errorSchema } } };
    const op: Record<string, unknown> = {
      operationId: operationId(r),
      summary: r.summary,
      tags: [r.tag],
      'x-min-role': r.access,
      security: r.access === 'public' ? [] : [{ session: [], csrf: [] }, { bearer: [] }],
      ...(parameters.length ? { parameters } : {}),
      responses,
    };
    if (r.schema.body) {
      const content: Record<string, unknown> = { 'application/json': { schema: r.schema.body } };
      for (const t of r.extraBodyTypes ?? []) content[t] = { schema: { type: 'string' } };
      op.requestBody = { required: true, content };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Syncline admin API',
      version: info.version,
      description:
        'Everything the console and the CLI do. Sign in with POST /auth/login (session cookie; send the CSRF token from /auth/me as x-csrf-token on changes) or send `Authorization: Bearer slk_...` from a token made with POST /tokens. Each operation names its least role in `x-min-role`.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'syncline_session' },
        csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token `slk_...`' },
      },
    },
    paths,
  };
}

function paramsOf(schema: Schema | undefined, where: 'path' | 'query'): unknown[] {
  const props = (schema?.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s }));
}

function operationId(r: AnyRoute): string {
  const words = r.url
    .split('/')
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `by-${w.slice(1)}` : w));
  return [r.method.toLowerCase(), ...words].join('-').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
