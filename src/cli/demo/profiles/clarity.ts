/**
 * The Clarity eCommerce shop beside the ERP (`--shop clarity`): the Clarity emulator, the templates
 * in `flows/clarity/`, and shoppers' traffic played through the emulator's control endpoints
 * (`/__sandbox/shop/*`): signed-in shoppers fill carts, some walk away (the cart turns Abandoned and
 * the recovery journey puts them on the Pardot recovery list), and some come back and check out (the
 * cart is Converted To Order and the recovery emails stop).
 */
import { startClarityEmulator, type RunningClarityEmulator } from '../../../sandbox/clarity/index.js';
import { pick } from '../people.js';
import type { ErpEvent, ShopProfile, ShopTraffic } from './types.js';

type Row = Record<string, unknown>;

/** Plays one shop event through the emulator's control API; returns the row it answers. */
async function shopEvent(shop: RunningClarityEmulator, event: string, body: Row): Promise<Row> {
  const res = await fetch(`${shop.url}/__sandbox/shop/${event}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Row;
  if (!res.ok) throw new Error(`Clarity ${event} → ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

/** The shop side of the business day. */
export function clarityTraffic(shop: RunningClarityEmulator): ShopTraffic {
  const shoppers = () => shop.state.rows('User').filter((u) => typeof u.Email === 'string' && u.Email);
  const products = () => shop.state.rows('Product').filter((p) => p.IsVisible === true && p.IsDiscontinued !== true);
  const carts = (status: string) => shop.state.rows('Cart').filter((c) => c.StatusKey === status && c.UserID != null && Array.isArray(c.SalesItems) && c.SalesItems.length > 0);
  const who = (c: Row) => String(shop.state.get('User', Number(c.UserID))?.Email ?? c.UserID);
  const events: ErpEvent[] = [
    {
      kind: 'cart-filled',
      weight: () => 2,
      async play(random) {
        const u = pick(random, shoppers());
        const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ sku: String(pick(random, products()).CustomKey), quantity: 1 + Math.floor(random() * 4) }));
        const cart = await shopEvent(shop, 'cart', { userId: u.ID, items });
        return { text: `${String(u.Email)} put ${items.length} item${items.length > 1 ? 's' : ''} in cart ${String(cart.ID)} (${String(cart.Total ?? '')} USD)`, refs: { cartId: String(cart.ID), email: String(u.Email) } };
      },
    },
    {
      kind: 'cart-abandoned',
      weight: () => (carts('New').length ? 2 : 0),
      async play(random) {
        const c = pick(random, carts('New'));
        await shopEvent(shop, 'abandon', { cartId: c.ID });
        return { text: `${who(c)} walked away from cart ${String(c.ID)}: Abandoned`, refs: { cartId: String(c.ID), email: who(c) } };
      },
    },
    {
      kind: 'cart-recovered',
      weight: () => (carts('Abandoned').length ? 1.5 : 0),
      async play(random, serial) {
        const c = pick(random, carts('Abandoned'));
        const order = await shopEvent(shop, 'convert', { cartId: c.ID, purchaseOrderNumber: `WEB-${9000 + serial}` });
        return { text: `${who(c)} came back and checked out abandoned cart ${String(c.ID)}: order ${String(order.ID)}`, refs: { cartId: String(c.ID), orderId: String(order.ID), email: who(c) } };
      },
    },
  ];
  return { events };
}

/** The Clarity shop profile. */
export const clarityShop: ShopProfile = {
  name: 'clarity',
  label: 'Clarity',
  flowsDir: 'clarity',
  defaultPort: 4106,
  async start({ host, port }) {
    const shop = await startClarityEmulator({ host, port });
    return {
      emulator: shop,
      endpoints: { clarity: { url: shop.url } },
      guide: [`    Clarity    ${shop.url}   (shop events: ${shop.url}/__sandbox/shop/)`],
      traffic: clarityTraffic(shop),
    };
  },
};
