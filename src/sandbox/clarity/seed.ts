/**
 * A believable B2B/B2C store: an industrial-supply web shop with wholesale accounts (each with its
 * Sage customer key), their buyers, retail shoppers, a catalogue with prices and stock at two
 * locations, and a few days of history (carts left, carts bought, orders at every stage). The
 * history is played through the shop itself with the clock set back, so every event row exists.
 */
import type { ShopState } from './state.js';
import { Shop, syncProductStock } from './shop.js';
import { LOCATIONS, type Row } from './model.js';


const ACCOUNTS: Array<[key: string, name: string, type: string, sageId: string, credit: number, onHold: boolean]> = [
  ['ACC-ABBOTT', 'Abbott Fasteners', 'Wholesale', '01-ABBOTT', 25_000, false],
  ['ACC-BLUERIDGE', 'Blue Ridge Hydraulics', 'Distributor', '01-BLUERI', 60_000, false],
  ['ACC-CASCADE', 'Cascade Packaging', 'Wholesale', '02-CASCAD', 10_000, true],
];

/** [first, last, email, account key or null, type, email subscriber, sms] */
const USERS: Array<[string, string, string, string | null, string, boolean, boolean]> = [
  ['Maria', 'Delgado', 'maria.delgado@abbottfasteners.example', 'ACC-ABBOTT', 'Wholesale', true, false],
  ['James', 'Okafor', 'james.okafor@abbottfasteners.example', 'ACC-ABBOTT', 'Wholesale', false, false],
  ['Priya', 'Raman', 'priya.raman@blueridgehydraulics.example', 'ACC-BLUERIDGE', 'Distributor', true, true],
  ['Elena', 'Petrova', 'elena.petrova@cascadepackaging.example', 'ACC-CASCADE', 'Wholesale', true, false],
  ['Noah', 'Fischer', 'noah.fischer@mailbox.example', null, 'Retail', true, false],
  ['Chloe', 'Martin', 'chloe.martin@mailbox.example', null, 'Retail', false, true],
  ['Diego', 'Santos', 'diego.santos@webmail.example', null, 'Retail', true, false],
];

/** [sku, name, base price, sale price, uom, qty main, qty west] */
const PRODUCTS: Array<[string, string, number, number | null, string, number, number]> = [
  ['HX-1001', 'Hex Bolt M10 x 50, zinc (box of 100)', 24.5, null, 'BX', 420, 180],
  ['HX-1002', 'Hex Nut M10, zinc (box of 100)', 9.75, null, 'BX', 800, 260],
  ['HC-2210', 'Hydraulic Hose 1/2" x 25 ft', 68.0, 61.2, 'EA', 64, 12],
  ['PV-3300', 'Ball Valve 1" Brass, full port', 38.9, null, 'EA', 140, 75],
  ['SG-4100', 'Safety Glasses, anti-fog (pack of 12)', 42.0, 35.7, 'PK', 95, 40],
  ['TW-5005', 'Torque Wrench 3/8" drive, 10-80 Nm', 129.0, null, 'EA', 18, 6],
  ['GL-6020', 'Nitrile Gloves, size L (box of 100)', 14.25, null, 'BX', 0, 0],
  ['TP-7070', 'Packing Tape 48 mm x 100 m (case of 36)', 88.0, null, 'CS', 55, 20],
];

/** Fills an empty state. `days` of history end at the clock's current time. */
export function seedShop(state: ShopState, shop: Shop): void {
  const clock = state.clock;
  const end = clock.nowMs();
  clock.set(new Date(end - 4 * 86_400_000));
  const step = (ms: number) => clock.advance(ms);

  const accounts = new Map<string, Row>();
  for (const [key, name, type, sageId, credit, onHold] of ACCOUNTS) {
    accounts.set(key, state.insert('Account', {
      CustomKey: key, Name: name, Description: `${type} account`, TypeKey: type, StatusKey: onHold ? 'Credit Hold' : 'Normal',
      Credit: credit, IsOnHold: onHold, IsTaxable: true, TaxExemptionNo: null, SageID: sageId, SalesmanCode: '0100', EIN: null, DunsNumber: null,
      SerializableAttributes: { PriceTier: type === 'Distributor' ? 'Tier 1' : 'Tier 2' },
    }));
    step(60_000);
  }
  USERS.forEach(([first, last, email, accountKey, type, subscriber, sms], i) => {
    const contact = state.insert('Contact', {
      CustomKey: `CON-${1000 + i}`, FirstName: first, LastName: last, FullName: `${first} ${last}`, Email1: email, Phone1: `+1 555 01${String(10 + i)}`,
      Address: { Company: accountKey ? accounts.get(accountKey)!.Name : null, Street1: `${100 + i * 7} Commerce Way`, City: 'Cleveland', RegionCode: 'OH', CountryCode: 'US', PostalCode: '44114' },
    });
    state.insert('User', {
      CustomKey: `USR-${1000 + i}`, UserName: email, Email: email, PhoneNumber: contact.Phone1, ContactID: contact.ID,
      AccountID: accountKey ? accounts.get(accountKey)!.ID : null, IsApproved: true, DisplayName: `${first} ${last}`,
      TypeKey: type, StatusKey: 'Normal', IsEmailSubscriber: subscriber, IsSMSAllowed: sms,
      SerializableAttributes: { LoyaltyTier: i % 3 === 0 ? 'Gold' : 'Standard' },
    });
    step(60_000);
  });
  for (const [sku, name, base, sale, uom, main, west] of PRODUCTS) {
    const p = state.insert('Product', {
      CustomKey: sku, Name: name, Description: name, SeoUrl: sku.toLowerCase(), PriceBase: base, PriceMsrp: Math.round(base * 1.2 * 100) / 100, PriceSale: sale,
      StockQuantity: 0, StockQuantityAllocated: 0, StockQuantityPreSold: 0, IsVisible: true, IsDiscontinued: false, UnitOfMeasure: uom,
      ManufacturerPartNumber: `MPN-${sku}`, Weight: 1,
    });
    [main, west].forEach((qty, i) => {
      const loc = LOCATIONS[i];
      state.insert('ProductInventoryLocationSection', { MasterID: p.ID, MasterKey: sku, SlaveID: loc.ID, SlaveKey: loc.Key, SlaveName: loc.Name, Quantity: qty, QuantityAllocated: 0, QuantityPreSold: 0, QuantityBroken: 0 });
    });
    syncProductStock(state, Number(p.ID));
    step(30_000);
  }

  // History: orders at every stage, one cart left behind, one anonymous cart.
  const users = state.rows('User');
  const order = (userIdx: number, lines: Array<[string, number]>, actions: Parameters<Shop['orderAction']>[1][]) => {
    const cart = shop.fillCart(Number(users[userIdx].ID), lines.map(([sku, quantity]) => ({ sku, quantity })));
    step(600_000);
    const o = shop.convert(Number(cart.ID), `PO-${4400 + userIdx}`);
    for (const a of actions) {
      step(3_600_000);
      shop.orderAction(Number(o.ID), a);
    }
    step(1_800_000);
  };
  order(0, [['HX-1001', 4], ['HX-1002', 4]], ['Confirm', 'CreatePickTicket', 'Ship', 'Complete']);
  order(2, [['HC-2210', 10], ['PV-3300', 6]], ['Confirm', 'CreatePickTicket', 'Ship']);
  order(4, [['SG-4100', 1]], ['Confirm']);
  order(3, [['TP-7070', 3]], ['Hold']);
  order(6, [['TW-5005', 1]], ['Void']);
  shop.fillCart(Number(users[1].ID), [{ sku: 'PV-3300', quantity: 2 }]);
  step(3_600_000);
  shop.fillCart(null, [{ sku: 'GL-6020', quantity: 1 }]);
  clock.set(new Date(end));
}
