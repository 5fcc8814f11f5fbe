/** The v5 route table: method + path pattern → handler. A known path with another method answers 405 code 60. */
import type { Reply, RequestContext } from './context.js';
import { PardotApiError } from './errors.js';
import {
  createCustomField,
  createExternalActivity,
  createList,
  createListMembership,
  createProspectHandler,
  deleteRecord,
  queryProspects,
  queryReply,
  readProspect,
  readReply,
  specs,
  updateList,
  updateProspectHandler,
  upsertLatestByEmail,
} from './handlers.js';
import { addImportBatch, createImport, downloadImportErrors, queryImports, readImport, updateImport, type ImportRunner } from './imports.js';
import { pathId } from './context.js';

type Handler = (ctx: RequestContext, args: string[]) => Reply | Promise<Reply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const O = '/api/v5/objects';

/** Builds the route table; the import runner is the one stateful dependency. */
export function buildRoutes(imports: ImportRunner): Route[] {
  const r = (method: string, path: string, handler: Handler): Route => ({ method, pattern: new RegExp(`^${path}$`), handler });
  const { customFieldSpec, listSpec, listMembershipSpec, visitorActivitySpec, campaignSpec, externalActivitySpec } = specs;
  return [
    r('GET', `${O}/prospects`, (c) => queryProspects(c)),
    r('POST', `${O}/prospects`, (c) => createProspectHandler(c)),
    r('POST', `${O}/prospects/do/upsertLatestByEmail`, (c) => upsertLatestByEmail(c)),
    r('GET', `${O}/prospects/([^/]+)`, (c, [id]) => readProspect(c, id)),
    r('PATCH', `${O}/prospects/([^/]+)`, (c, [id]) => updateProspectHandler(c, id)),
    r('DELETE', `${O}/prospects/([^/]+)`, (c, [id]) => deleteRecord(c, c.state.prospects, id)),

    r('GET', `${O}/custom-fields`, (c) => queryReply(c, customFieldSpec, c.state.customFields.values())),
    r('POST', `${O}/custom-fields`, (c) => createCustomField(c)),
    r('GET', `${O}/custom-fields/([^/]+)`, (c, [id]) => readReply(c, customFieldSpec, c.state.customFields.get(pathId(id)))),

    r('GET', `${O}/visitor-activities`, (c) => queryReply(c, visitorActivitySpec, c.state.visitorActivities.values())),
    r('GET', `${O}/visitor-activities/([^/]+)`, (c, [id]) => readReply(c, visitorActivitySpec, c.state.visitorActivities.get(pathId(id)))),

    r('GET', `${O}/lists`, (c) => queryReply(c, listSpec, c.state.lists.values())),
    r('POST', `${O}/lists`, (c) => createList(c)),
    r('GET', `${O}/lists/([^/]+)`, (c, [id]) => readReply(c, listSpec, c.state.lists.get(pathId(id)))),
    r('PATCH', `${O}/lists/([^/]+)`, (c, [id]) => updateList(c, id)),
    r('DELETE', `${O}/lists/([^/]+)`, (c, [id]) => deleteRecord(c, c.state.lists, id)),

    r('GET', `${O}/list-memberships`, (c) => queryReply(c, listMembershipSpec, c.state.listMemberships.values())),
    r('POST', `${O}/list-memberships`, (c) => createListMembership(c)),
    r('GET', `${O}/list-memberships/([^/]+)`, (c, [id]) => readReply(c, listMembershipSpec, c.state.listMemberships.get(pathId(id)))),
    r('DELETE', `${O}/list-memberships/([^/]+)`, (c, [id]) => deleteRecord(c, c.state.listMemberships, id)),

    r('GET', `${O}/campaigns`, (c) => queryReply(c, campaignSpec, c.state.campaigns.values())),
    r('GET', `${O}/campaigns/([^/]+)`, (c, [id]) => readReply(c, campaignSpec, c.state.campaigns.get(pathId(id)))),

    r('GET', '/api/v5/external-activities', (c) => queryReply(c, externalActivitySpec, c.state.externalActivities.values())),
    r('POST', '/api/v5/external-activities', (c) => createExternalActivity(c)),
    r('GET', '/api/v5/external-activities/([^/]+)', (c, [id]) => readReply(c, externalActivitySpec, c.state.externalActivities.get(pathId(id)))),

    r('GET', '/api/v5/imports', (c) => queryImports(c)),
    r('POST', '/api/v5/imports', (c) => createImport(c, imports)),
    r('GET', '/api/v5/imports/([^/]+)', (c, [id]) => readImport(c, id)),
    r('PATCH', '/api/v5/imports/([^/]+)', (c, [id]) => updateImport(c, id, imports)),
    r('POST', '/api/v5/imports/([^/]+)/batches', (c, [id]) => addImportBatch(c, id)),
    r('GET', '/api/v5/imports/([^/]+)/errors', (c, [id]) => downloadImportErrors(c, id)),
  ];
}

/** Finds and runs the handler; 405 code 60 for a known path with the wrong method, 404 code 192 for an unknown path. */
export async function dispatch(routes: Route[], ctx: RequestContext): Promise<Reply> {
  let pathKnown = false;
  for (const route of routes) {
    const m = route.pattern.exec(ctx.path);
    if (!m) continue;
    pathKnown = true;
    if (route.method === ctx.method) return route.handler(ctx, m.slice(1));
  }
  if (pathKnown) throw new PardotApiError(60);
  throw new PardotApiError(192, `The object does not exist: ${ctx.path}`);
}

/** The call-count family of a path (`prospects`, `imports`, `oauth`), for benchmarks. */
export function familyOf(path: string): string {
  if (path.startsWith('/services/oauth2/')) return 'oauth';
  const m = /^\/api\/v5\/(?:objects\/)?([^/]+)/.exec(path);
  return m ? m[1] : 'other';
}
