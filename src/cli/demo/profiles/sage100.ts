/**
 * The Sage 100 demo: the Sage 100 emulator (eBWS + company file), the templates in `flows/`, and the
 * Sage 100 side of a business day: orders entered through eBWS move new → open → shipped (now and
 * then on hold) and get invoiced, payments arrive for open invoices, now and then a credit memo is
 * issued, credit limits change, goods are received, and web visitors ask to hear when an item is
 * back in stock (the Pardot list "Back in stock: <item>" that the back-in-stock flow answers).
 */
import { Decimal } from 'decimal.js';
import { startSage100Emulator } from '../../../sandbox/sage100/index.js';
import { pick } from '../people.js';
import { sageBooksOf, type SageBooks } from '../sage-books.js';
import { Sage100SandboxClient } from '../sandbox-clients.js';
import type { ErpEvent, ErpProfile, ErpTraffic } from './types.js';

const STATUS_WORDS: Record<string, string> = { N: 'new', O: 'open (released to the warehouse)', H: 'on hold', C: 'shipped' };
const CREDIT_LIMITS = ['5000', '12500', '25000', '40000', '60000', '75000', '120000'];

/** The Sage 100 side of the business day. */
export function sage100Traffic(client: Sage100SandboxClient, books: SageBooks): ErpTraffic {
  const ourOrders = new Set<string>();
  const pickOrder = (random: () => number, filter: (status: string) => boolean) => {
    const open = books.openOrders().filter((o) => filter(o.status));
    const ours = open.filter((o) => ourOrders.has(o.no));
    return ours.length > 0 && random() < 0.7 ? pick(random, ours) : pick(random, open);
  };
  const pickCustomer = (random: () => number) => {
    const customers = books.customers();
    const linked = customers.filter((c) => c.salesforceAccountId);
    return linked.length > 0 && random() < 0.5 ? pick(random, linked) : pick(random, customers);
  };
  const events: ErpEvent[] = [
    {
      kind: 'order-entered',
      weight: () => 2,
      async play(random, serial) {
        const customers = books.customers().filter((c) => !c.onHold);
        const linked = customers.filter((c) => c.salesforceAccountId);
        // New customers won through Salesforce order more often: their orders tell the post-purchase story.
        const customer = linked.length > 0 && random() < 0.5 ? pick(random, linked) : pick(random, customers);
        const items = books.items();
        const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ itemCode: pick(random, items).code, quantity: 1 + Math.floor(random() * 10) }));
        const no = await client.createSalesOrder(customer.id, lines, `PO-${4000 + serial}`);
        ourOrders.add(no);
        return { text: `order ${no} entered for ${customer.id} ${customer.name} (${lines.length} line${lines.length > 1 ? 's' : ''})`, refs: { salesOrderNo: no, customerId: customer.id } };
      },
    },
    {
      kind: 'order-status',
      weight: () => (books.openOrders().some((o) => o.status !== 'C') ? 2 : 0),
      async play(random) {
        const order = pickOrder(random, (s) => s !== 'C');
        // Now and then the credit department holds an open order before it ships.
        const target = order.status === 'O' && random() < 0.15 ? 'H' : undefined;
        const status = await client.setOrderStatus(order.no, target);
        return { text: `order ${order.no} of ${order.customerId}: ${STATUS_WORDS[order.status] ?? order.status} → ${STATUS_WORDS[status] ?? status}`, refs: { salesOrderNo: order.no, customerId: order.customerId, status } };
      },
    },
    {
      kind: 'invoice-posted',
      weight: () => (books.openOrders().some((o) => o.status === 'C') ? 2 : 0),
      async play(random) {
        const order = pickOrder(random, (s) => s === 'C');
        const invoiceNo = await client.postInvoice(order.no);
        return { text: `invoice ${invoiceNo} posted for shipped order ${order.no} of ${order.customerId}`, refs: { salesOrderNo: order.no, invoiceNo, customerId: order.customerId } };
      },
    },
    {
      kind: 'credit-limit',
      weight: () => 1,
      async play(random) {
        const customer = pickCustomer(random);
        const limit = pick(random, CREDIT_LIMITS);
        await client.setCreditLimit(customer.id, limit);
        return { text: `credit limit of ${customer.id} ${customer.name}: ${customer.creditLimit} → ${limit}`, refs: { customerId: customer.id, creditLimit: limit } };
      },
    },
    {
      kind: 'payment-received',
      weight: () => (books.openInvoices().length > 0 ? 2 : 0),
      async play(random) {
        const invoice = pick(random, books.openInvoices());
        // Most customers pay the invoice in full; some pay part of it.
        const amount = random() < 0.75 ? new Decimal(invoice.balance) : new Decimal(invoice.balance).mul(0.5).toDecimalPlaces(2);
        const paid = await client.receivePayment(invoice.customerId, amount.toFixed(2), invoice.invoiceNo);
        return { text: `payment of ${amount.toFixed(2)} received from ${invoice.customerId} for invoice ${invoice.invoiceNo} (deposit ${paid.depositNo})`, refs: { customerId: invoice.customerId, invoiceNo: invoice.invoiceNo, depositNo: paid.depositNo } };
      },
    },
    {
      kind: 'credit-memo',
      weight: () => 0.5,
      async play(random) {
        const customer = pickCustomer(random);
        const amount = (5 + Math.floor(random() * 200) + 0.5).toFixed(2);
        const no = await client.postCreditMemo(customer.id, amount, 'damaged goods');
        return { text: `credit memo ${no} of ${amount} issued to ${customer.id} ${customer.name} (damaged goods)`, refs: { customerId: customer.id, invoiceNo: no } };
      },
    },
    {
      kind: 'stock-received',
      weight: () => 1,
      async play(random) {
        const item = pick(random, books.items());
        const qty = 10 * (1 + Math.floor(random() * 20));
        const onHand = await client.receiveStock(item.code, qty, '000');
        return { text: `goods received: ${qty} × ${item.code} ${item.description} into warehouse 000 (now ${onHand} on hand)`, refs: { itemCode: item.code } };
      },
    },
  ];
  return { itemCodes: () => books.items().map((i) => i.code), productItemField: 'Sage100_Item_Code__c', companyNameLimit: 30, events, stockAlertListPrefix: 'Back in stock: ' };
}

/** The Sage 100 profile (the default). */
export const sage100Profile: ErpProfile = {
  name: 'sage100',
  label: 'Sage 100',
  flowsDir: '.',
  defaultPort: 4103,
  async start({ host, port, seed }) {
    const sage100 = await startSage100Emulator({ host, port, seedSize: seed });
    return {
      emulator: sage100,
      endpoints: { sage100: { endpointUrl: sage100.endpointUrl, odbcConnectionString: sage100.odbcConnectionString, odbcDsn: sage100.odbcDsn, companyCode: sage100.companyCode } },
      guide: [`    Sage 100   ${sage100.endpointUrl}   (company ${sage100.companyCode}; ODBC: ${sage100.dbPath})`],
      traffic: sage100Traffic(new Sage100SandboxClient(sage100.url, sage100.endpointUrl, sage100.companyCode), sageBooksOf(sage100.db)),
    };
  },
};
