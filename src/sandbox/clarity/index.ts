/**
 * Clarity eCommerce emulator: the CEF Admin REST API (ServiceStack) under
 * `/DesktopModules/ClarityEcommerce/API-Admin`, over one believable B2B/B2C shop whose carts age to
 * Abandoned by a settable clock, whose orders move through CEF's workflow, and which can push signed
 * webhooks (order created, cart abandoned, customer updated) to a configured receiver.
 *
 * Control API (not part of Clarity): `/__sandbox/faults` (shared), `POST /__sandbox/reset`,
 * `GET|POST /__sandbox/clock` `{ at?, advanceMs?, real? }`, `GET|POST /__sandbox/config`
 * `{ abandonAfterMs?, sessionTtlMs?, basicAuth?, webhookUrl?, webhookSecret? }`,
 * `POST /__sandbox/sessions/expire`, `GET /__sandbox/webhooks`, and the business events
 * `POST /__sandbox/shop/{cart|abandon|convert|order|order-line|customer|stock}`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyTransportFault, FaultInjector, handleFaultControl } from '../shared/faults.js';
import type { EmulatorOptions, RunningEmulator } from '../shared/types.js';
import { ADMIN_BASE, handleApi, json, present } from './api.js';
import { ClarityAuth, DEFAULT_USERS, type ClarityApiUser } from './auth.js';
import { ShopClock } from './clock.js';
import type { Row } from './model.js';
import { seedShop } from './seed.js';
import { ORDER_ACTIONS, Shop, syncProductStock, type CartLine, type OrderAction } from './shop.js';
import { ActionFailure, ShopState, ValidationFailure } from './state.js';
import { WebhookSender, type WebhookConfig, type WebhookDelivery } from './webhooks.js';

export { ADMIN_BASE } from './api.js';
export type { ClarityApiUser } from './auth.js';
export type { WebhookDelivery } from './webhooks.js';

/** Start options of the Clarity emulator. */
export interface ClarityEmulatorOptions extends EmulatorOptions {
  /** API users (default `syncline-api`/`clarity` with every permission and `readonly-api`/`clarity` with View only). */
  users?: ClarityApiUser[];
  /** Idle time after which a New cart with items is Abandoned (default 1 hour). */
  abandonAfterMs?: number;
  /** Idle time after which an identity session expires (default 20 minutes of the shop clock). */
  sessionTtlMs?: number;
  /** Accept HTTP Basic on each request (default true). */
  basicAuth?: boolean;
  /** Push webhooks here (default: none). */
  webhook?: WebhookConfig;
  /** Start the clock at this instant instead of now. */
  now?: Date;
}

/** A running Clarity emulator with its test and demo helpers. */
export interface RunningClarityEmulator extends RunningEmulator {
  /** The Admin API base URL (`<url>/DesktopModules/ClarityEcommerce/API-Admin`). */
  apiUrl: string;
  users: ClarityApiUser[];
  clock: ShopClock;
  state: ShopState;
  shop: Shop;
  auth: ClarityAuth;
  webhooks: WebhookSender;
  /** Every webhook delivery attempt. */
  deliveries: WebhookDelivery[];
  /** Empties and reseeds the shop; clears fault rules, sessions and deliveries. */
  reset(): void;
  /** Moves the shop clock by `ms` and runs the shop's abandoned-cart job. */
  advanceClock(ms: number): void;
  /** Sets the shop clock and runs the abandoned-cart job. */
  setClock(at: Date): void;
  /** A shopper fills a cart (user by id or email; null for an anonymous visitor). */
  fillCart(shopper: number | string | null, lines: CartLine[], cartId?: number): Row;
  /** Checks a cart out; returns the new sales order. */
  convertCart(cartId: number, purchaseOrderNumber?: string): Row;
  /** Runs a workflow action on an order (Confirm, CreatePickTicket, Ship, Complete, Void, Hold, Pending). */
  orderAction(orderId: number, action: OrderAction, options?: { trackingNumber?: string; carrier?: string }): Row;
  /** Changes the quantity of one line of a Pending or On Hold order (an admin's order edit). */
  editOrderLine(orderId: number, lineId: number, quantity: number): Row;
  /** Edits a user as the storefront or an admin would (fires customer.updated). */
  editUser(userId: number, values: Row): Row;
  /** Sets a product's quantity at one location (by location key), keeping the product's total. */
  setStock(sku: string, locationKey: string, quantity: number): Row;
  /** The user with this email, or undefined. */
  userByEmail(email: string): Row | undefined;
  /** Resolves when every queued webhook has been delivered. */
  flushWebhooks(): Promise<void>;
}

/** Starts the emulator; resolves once it listens. */
export async function startClarityEmulator(options: ClarityEmulatorOptions = {}): Promise<RunningClarityEmulator> {
  const clock = new ShopClock();
  if (options.now) clock.set(options.now);
  const state = new ShopState(clock);
  const shop = new Shop(state, options.abandonAfterMs ?? 3_600_000);
  const users = options.users ?? DEFAULT_USERS;
  const auth = new ClarityAuth(users, clock, { sessionTtlMs: options.sessionTtlMs ?? 20 * 60_000, basicEnabled: options.basicAuth ?? true });
  const faults = new FaultInjector();
  const webhooks = new WebhookSender(faults, () => clock.iso());
  const seed = () => {
    if (options.seed !== false) seedShop(state, shop);
  };
  seed();
  Object.assign(webhooks.config, options.webhook ?? {});
  state.statusListeners.push(({ table, event, record }) => {
    if (table === 'Cart' && record.StatusKey === 'Abandoned') webhooks.emit('cart.abandoned', 'CartEvent', state.view('CartEvent', event));
    if (table === 'SalesOrder' && event.OldStatusID === null) webhooks.emit('order.created', 'SalesOrderEvent', state.view('SalesOrderEvent', event));
  });
  state.userListeners.push((user) => webhooks.emit('customer.updated', 'User', present(state, state.def('User'), user)));

  const userOf = (shopper: number | string | null): number | null => {
    if (shopper === null) return null;
    if (typeof shopper === 'number') return shopper;
    const u = helpers.userByEmail(shopper);
    if (!u) throw new ActionFailure([`no user with email ${shopper}`]);
    return Number(u.ID);
  };
  const helpers = {
    reset(): void {
      state.wipe();
      const url = webhooks.config.url;
      webhooks.config.url = undefined;
      seed();
      webhooks.config.url = url;
      faults.clear();
      auth.expireAll();
      webhooks.deliveries.length = 0;
    },
    advanceClock(ms: number): void {
      clock.advance(ms);
      shop.sweepAbandoned();
    },
    setClock(at: Date): void {
      clock.set(at);
      shop.sweepAbandoned();
    },
    fillCart: (shopper: number | string | null, lines: CartLine[], cartId?: number) => shop.fillCart(userOf(shopper), lines, cartId),
    convertCart: (cartId: number, po?: string) => shop.convert(cartId, po),
    orderAction: (orderId: number, action: OrderAction, o?: { trackingNumber?: string; carrier?: string }) => shop.orderAction(orderId, action, o),
    editOrderLine: (orderId: number, lineId: number, quantity: number) => shop.editOrderLine(orderId, lineId, quantity),
    editUser: (userId: number, values: Row) => state.update('User', userId, values),
    setStock(sku: string, locationKey: string, quantity: number): Row {
      const product = state.byKey('Product', sku);
      if (!product) throw new ActionFailure([`Product '${sku}' not found`]);
      const row = state.rows('ProductInventoryLocationSection').find((r) => r.MasterID === product.ID && r.SlaveKey === locationKey);
      if (!row) throw new ActionFailure([`Product '${sku}' has no stock row at '${locationKey}'`]);
      const updated = state.update('ProductInventoryLocationSection', Number(row.ID), { Quantity: quantity });
      syncProductStock(state, Number(product.ID));
      return updated;
    },
    userByEmail: (email: string) => state.rows('User').find((u) => String(u.Email).toLowerCase() === email.trim().toLowerCase()),
    flushWebhooks: () => webhooks.flush(),
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ResponseStatus: { ErrorCode: 'Exception', Message: String(err), Errors: [] } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (await handleFaultControl(faults, req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/__sandbox/')) return control(url.pathname, req, res);
    if (!url.pathname.toLowerCase().startsWith(ADMIN_BASE.toLowerCase())) {
      return json(res, 404, { ResponseStatus: { ErrorCode: 'NotFound', Message: `Handler for Request not found: ${url.pathname}`, Errors: [] } });
    }
    const fault = faults.pick(req.method ?? 'GET', url.pathname + url.search);
    if (fault) {
      if (await applyTransportFault(fault, req, res)) return;
      if (fault.vendorError) return renderVendorError(res, fault.vendorError);
    }
    await handleApi({ state, shop, auth }, req, res, url.pathname.slice(ADMIN_BASE.length), url.searchParams);
  }

  async function control(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = req.method === 'POST' ? ((await readBody(req)) as Record<string, unknown>) : {};
      if (path === '/__sandbox/reset' && req.method === 'POST') {
        helpers.reset();
        return json(res, 200, { ok: true });
      }
      if (path === '/__sandbox/clock') {
        if (body.real) clock.resetToReal();
        if (typeof body.at === 'string') helpers.setClock(new Date(body.at));
        if (typeof body.advanceMs === 'number') helpers.advanceClock(body.advanceMs);
        return json(res, 200, { now: clock.iso() });
      }
      if (path === '/__sandbox/config') {
        if (typeof body.abandonAfterMs === 'number') shop.abandonAfterMs = body.abandonAfterMs;
        if (typeof body.sessionTtlMs === 'number') auth.sessionTtlMs = body.sessionTtlMs;
        if (typeof body.basicAuth === 'boolean') auth.basicEnabled = body.basicAuth;
        if ('webhookUrl' in body) webhooks.config.url = typeof body.webhookUrl === 'string' ? body.webhookUrl : undefined;
        if ('webhookSecret' in body) webhooks.config.secret = typeof body.webhookSecret === 'string' ? body.webhookSecret : undefined;
        return json(res, 200, { abandonAfterMs: shop.abandonAfterMs, sessionTtlMs: auth.sessionTtlMs, basicAuth: auth.basicEnabled, webhookUrl: webhooks.config.url ?? null, signed: Boolean(webhooks.config.secret) });
      }
      if (path === '/__sandbox/sessions/expire' && req.method === 'POST') {
        auth.expireAll();
        return json(res, 200, { ok: true });
      }
      if (path === '/__sandbox/webhooks') {
        await webhooks.flush();
        return json(res, 200, { deliveries: webhooks.deliveries });
      }
      if (path.startsWith('/__sandbox/shop/') && req.method === 'POST') {
        const n = (k: string) => Number(body[k]);
        switch (path.slice('/__sandbox/shop/'.length)) {
          case 'cart': {
            const shopper = body.userId !== undefined ? n('userId') : typeof body.email === 'string' ? body.email : null;
            return json(res, 200, helpers.fillCart(shopper, (body.items ?? []) as CartLine[], body.cartId === undefined ? undefined : n('cartId')));
          }
          case 'abandon':
            return json(res, 200, shop.abandon(n('cartId')));
          case 'convert':
            return json(res, 200, helpers.convertCart(n('cartId'), typeof body.purchaseOrderNumber === 'string' ? body.purchaseOrderNumber : undefined));
          case 'order': {
            const action = String(body.action) as OrderAction;
            if (!ORDER_ACTIONS.includes(action)) return json(res, 400, { error: `action must be one of ${ORDER_ACTIONS.join(', ')}` });
            return json(res, 200, helpers.orderAction(n('orderId'), action, { trackingNumber: body.trackingNumber as string | undefined }));
          }
          case 'order-line':
            return json(res, 200, helpers.editOrderLine(n('orderId'), n('lineId'), n('quantity')));
          case 'customer': {
            const { userId, ...values } = body;
            return json(res, 200, helpers.editUser(Number(userId), values));
          }
          case 'stock':
            return json(res, 200, helpers.setStock(String(body.sku), String(body.location), n('quantity')));
        }
      }
      return json(res, 404, { error: `unknown control endpoint ${req.method} ${path}` });
    } catch (err) {
      if (err instanceof ActionFailure || err instanceof ValidationFailure) return json(res, 400, { error: err.message });
      throw err;
    }
  }

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  return {
    system: 'clarity',
    url,
    apiUrl: `${url}${ADMIN_BASE}`,
    faults,
    users,
    clock,
    state,
    shop,
    auth,
    webhooks,
    deliveries: webhooks.deliveries,
    connectInfo: () => {
      const apiUrl = `${url}${ADMIN_BASE}`;
      const first = users[0];
      return [
        ['Admin API base', apiUrl],
        ['admin base path', ADMIN_BASE],
        ['API users', users.map((u) => `${u.username} / ${u.password} (${describePermissions(u.permissions)})`).join(', ')],
        ['identity route', `POST ${apiUrl}/auth/identity {"Username","Password","RememberMe"} -> ss-id/ss-pid cookies (idle ${auth.sessionTtlMs / 60_000} min)`],
        [
          'Basic authorization',
          auth.basicEnabled && first ? `Basic ${Buffer.from(`${first.username}:${first.password}`).toString('base64')}` : `off (POST ${url}/__sandbox/config {"basicAuth": true})`,
        ],
        ['webhook target', `${webhooks.config.url ?? 'none'}${webhooks.config.secret ? ' (signed)' : ''}; set with POST ${url}/__sandbox/config {"webhookUrl", "webhookSecret"}`],
        ['carts abandoned after', `${shop.abandonAfterMs / 60_000} min idle (shop clock)`],
        ['control API', `${url}/__sandbox/ (docs/sandbox.md)`],
      ];
    },
    ...helpers,
    async close() {
      await webhooks.flush();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A user's permission grants in words, for `connectInfo`. */
function describePermissions(permissions: string[]): string {
  if (permissions.includes('*')) return 'every permission';
  if (permissions.length === 1 && permissions[0] === '*.View') return 'View only';
  return permissions.join(', ');
}

/** An injected vendor error in the framework's own shape. */
function renderVendorError(res: ServerResponse, code: string): void {
  const known: Record<string, [number, string]> = {
    Unauthorized: [401, 'Not Authenticated'],
    Forbidden: [403, 'Invalid Permission'],
    NotFound: [404, 'Not Found'],
    ServiceUnavailable: [503, 'Service Unavailable'],
  };
  if (code === 'ActionFailed') return json(res, 200, { ActionSucceeded: false, Messages: ['Injected business failure'], Result: null });
  const [status, message] = known[code] ?? [500, `Injected fault ${code}`];
  json(res, status, { ResponseStatus: { ErrorCode: code, Message: message, Errors: [] } });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() ? JSON.parse(text) : {};
}
