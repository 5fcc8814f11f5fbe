/**
 * The settings of a Clarity eCommerce connection, declared once. Where a deployment may differ from
 * the framework source we read (paging form, first page index, auth provider, webhook headers), the
 * framework's documented behaviour is the default and the deviation is a setting.
 */
import { defineSettings, StringEnum, Type, type Static } from '../../core/settings-spec.js';

/** The one settings declaration. */
export const claritySettings = defineSettings(
  Type.Object({
    siteUrl: Type.String({ title: 'Site URL', format: 'uri', description: 'The shop origin, e.g. https://shop.example.com (no path).' }),
    apiPath: Type.String({ title: 'API base path', default: '/DesktopModules/ClarityEcommerce/API-Admin', description: 'The Admin service base path; integrations use API-Admin.' }),
    authMode: StringEnum(['identity', 'basic'] as const, { title: 'Authentication', default: 'identity', description: 'identity: POST /auth/identity once and reuse the ss-id/ss-pid session (re-login once on 401). basic: HTTP Basic on every request (the BasicAuthProvider must be enabled on the site).' }),
    username: Type.String({ title: 'API user', description: 'A site user whose roles grant the View/Create/Update permissions of the entities the flows use.' }),
    password: Type.String({ title: 'Password', 'x-secret': true }),
    pageSize: Type.Integer({ title: 'Page size', default: 100, minimum: 1, maximum: 1000, description: 'Paging.Size of each search call.' }),
    pagingStyle: StringEnum(['jsv', 'dotted', 'forConnect'] as const, { title: 'Paging form', default: 'jsv', description: 'How Paging is sent: jsv ?Paging={Size:100,StartIndex:1}, dotted ?Paging.Size=100&Paging.StartIndex=1, or forConnect (POST to the {Entities}ForConnect route with a JSON search model).' }),
    firstPageIndex: Type.Integer({ title: 'First page index', default: 1, minimum: 0, maximum: 1, description: 'Paging.StartIndex of the first page: 1 in the framework (it skips Size × (StartIndex − 1)); 0 only on sites customised to zero-based pages.' }),
    noCache: Type.Boolean({ title: 'Bypass the search cache', default: true, description: 'Send noCache=true on polls so a cached search result never hides a change.' }),
    settleSeconds: Type.Integer({ title: 'Settle time (s)', default: 2, minimum: 0, maximum: 600, description: 'Records changed in the last seconds are left for the next poll (read lag of a replicated or cached site).' }),
    cartIdleMinutes: Type.Integer({ title: 'Treat idle carts as abandoned (min)', default: 0, minimum: 0, maximum: 43200, description: 'For sites where no job marks carts Abandoned: the AbandonedCart entity also gives New carts with items of a signed-in shopper untouched this long. 0: only carts the shop marked Abandoned.' }),
    requestTimeoutMs: Type.Integer({ title: 'Request timeout (ms)', default: 30000, minimum: 1000 }),
    webhookSecret: Type.Optional(Type.String({ title: 'Webhook signing secret', 'x-secret': true, description: 'Shared secret of the site’s event push (HMAC-SHA256 over <timestamp>.<delivery id>.<body>); unsigned pushes are refused when set.' })),
    webhookSignatureHeader: Type.String({ title: 'Webhook signature header', default: 'x-clarity-signature' }),
    webhookTimestampHeader: Type.String({ title: 'Webhook timestamp header', default: 'x-clarity-timestamp' }),
    webhookDeliveryIdHeader: Type.String({ title: 'Webhook delivery id header', default: 'x-clarity-delivery-id', description: 'Signed with the body; the hub deduplicates by the changed record and its stamp, not by this id.' }),
    webhookToleranceSeconds: Type.Integer({ title: 'Webhook clock tolerance (s)', default: 300, minimum: 1, maximum: 86400 }),
  }),
);

/** Typed settings, defaults applied. */
export type ClaritySettings = Static<typeof claritySettings.schema>;
