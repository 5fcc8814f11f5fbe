/**
 * Clarity eCommerce (CEF) connector: the ServiceStack Admin REST API of a Clarity site. Users,
 * contacts, accounts, products, stock by location, carts, sales orders, shipments and invoices through
 * the generated routes; change polling by ModifiedSince; the cart and order event tables as a change
 * log of every status change; optional signed pushes. Guide: docs/connectors/clarity.md.
 */
import type { CheckResult, Connector, ConnectorContext, ConnectorDefinition } from '../../core/connector.js';
import { toSyncError } from '../../core/errors.js';
import { specsOf, tableMethods } from '../shared/entities.js';
import { ClarityAuth } from './auth.js';
import { ClarityClient } from './client.js';
import { specOf } from './entities/common.js';
import { ENTITY_DEFS, entityTable } from './entities/index.js';
import { claritySettings } from './settings.js';
import { clarityWebhook } from './webhook.js';

export { claritySettings, type ClaritySettings } from './settings.js';

/** Opens one connection. */
function createConnector(ctx: ConnectorContext): Connector {
  const settings = claritySettings.parse(ctx.settings, 'clarity');
  const auth = new ClarityAuth(settings.authMode, settings.username, settings.password, ctx.state);
  const client = new ClarityClient(settings, auth, ctx.gate);
  const table = entityTable({ client, settleMs: settings.settleSeconds * 1000, cartIdleMs: settings.cartIdleMinutes * 60_000, now: Date.now });
  return {
    ...tableMethods(table, 'clarity'),
    async check(): Promise<CheckResult> {
      try {
        let users = 0;
        for await (const _ of client.search('/Contacts/Users', { Active: 'true' })) {
          users += 1;
          if (users >= settings.pageSize) break;
        }
        return { ok: true, message: `Connected to Clarity at ${settings.siteUrl}`, info: { apiPath: settings.apiPath, authMode: settings.authMode, usersVisible: users ? 'yes' : 'none' } };
      } catch (err) {
        const e = toSyncError(err);
        return { ok: false, message: e.message, info: { kind: e.kind, ...(e.details.vendorCode ? { code: e.details.vendorCode } : {}) } };
      }
    },
    discover: async () => specsOf(table),
    close: async () => undefined,
  };
}

/** The Clarity eCommerce connector declaration. */
export const clarityConnector: ConnectorDefinition = {
  type: 'clarity',
  label: 'Clarity eCommerce',
  description: 'Clarity eCommerce (CEF) web shop: shoppers, accounts, products and stock, carts and abandoned carts, sales orders, shipments and invoices through the Admin REST API; status changes from the event tables; signed pushes.',
  settings: claritySettings,
  settingsSchema: claritySettings.jsonSchema,
  entities: ENTITY_DEFS.map(specOf),
  // CEF documents no API limit; a handful of calls at once keeps a shared IIS site responsive.
  rateLimits: { concurrent: 4, perSecond: 10 },
  webhook: clarityWebhook,
  create: createConnector,
};
