/**
 * docs/connectors/sage100.md names the eBWS wire details Sage's published material leaves open (target
 * namespace and SOAPAction, the element wrapping each order line) as assumptions the connector reads
 * from the server's WSDL rather than hard-coding. Checked here against a server that answers them
 * differently: a proxy in front of the emulator renames the namespace and the line element in the WSDL
 * and in every message, and the connector must speak the renamed contract to create and read an order.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sage100Connector } from '../../../src/connectors/sage100/index.js';
import type { Sage100Connection } from '../../../src/connectors/sage100/connection.js';
import { startSage100Emulator, type RunningSage100Emulator } from '../../../src/sandbox/sage100/index.js';
import { AR_Customer, CI_Item } from '../../../src/sandbox/sage100/schema.js';
import { emulatorSettings, testContext } from './context.js';

const EMULATOR_NS = 'http://sage.com/sage100/ebusiness/webservices';
const CUSTOMER_NS = 'urn:customer-server:sage100:ws';

let emu: RunningSage100Emulator;
let proxy: Server;
let proxyUrl: string;
const seen: string[] = [];

/** The customer's server's names → the emulator's, and back. */
const toEmulator = (s: string) => s.split(CUSTOMER_NS).join(EMULATOR_NS).split('SODetail').join('SalesOrderLine');
const toCustomer = (s: string) => s.split(EMULATOR_NS).join(CUSTOMER_NS).split('SalesOrderLine').join('SODetail');

beforeAll(async () => {
  emu = await startSage100Emulator({ seedSize: { customers: 3, items: 3, orders: 0, invoices: 0 } });
  const emuOrigin = new URL(emu.endpointUrl).origin;
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.method === 'POST') seen.push(`${String(req.headers.soapaction)} ${body}`);
        const headers: Record<string, string> = { 'content-type': String(req.headers['content-type'] ?? 'text/xml') };
        if (req.headers.soapaction) headers.soapaction = toEmulator(String(req.headers.soapaction));
        const answer = await fetch(`${emuOrigin}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? toEmulator(body) : undefined });
        const text = toCustomer(await answer.text()).split(emuOrigin).join(proxyUrl);
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
        res.end(text);
      })();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await emu?.close();
});

describe('Sage 100 connector: eBWS details read from the WSDL', () => {
  it('creates and reads an order with lines on a server with another namespace and line element', async () => {
    const wsdl = await (await fetch(`${proxyUrl}/MasBasicService.svc?wsdl`)).text();
    expect(wsdl).toContain(`targetNamespace="${CUSTOMER_NS}"`);
    expect(wsdl).not.toContain('SalesOrderLine');

    const conn = sage100Connector.create(testContext(emulatorSettings(emu, { endpointUrl: `${proxyUrl}/MasBasicService.svc` }))) as Sage100Connection;
    const customer = emu.db.list(AR_Customer).find((c) => c.CreditHold !== 'Y')!;
    const item = emu.db.list(CI_Item).find((i) => i.ItemType === '1')!;
    const out = await conn.write('SO_SalesOrder', { verb: 'create', data: { CustomerId: `${customer.ARDivisionNo}-${customer.CustomerNo}`, Lines: [{ ItemCode: item.ItemCode, QuantityOrdered: 2 }, { ItemCode: item.ItemCode, QuantityOrdered: 5 }] } });
    expect(out.id).toMatch(/^\d{7}$/);
    const preview = await conn.previewSalesOrder({ CustomerId: `${customer.ARDivisionNo}-${customer.CustomerNo}`, Lines: [{ ItemCode: item.ItemCode, QuantityOrdered: 3 }] });
    expect((preview.Lines as unknown[]).length).toBe(1);
    await conn.close();

    const create = seen.find((s) => s.includes('CreateSalesOrder'))!;
    expect(create).toContain(CUSTOMER_NS);
    expect(create.match(/<(\w+:)?SODetail>/g)).toHaveLength(2);
    expect(seen.join('\n')).not.toContain(EMULATOR_NS);
    expect(seen.join('\n')).not.toContain('SalesOrderLine');
  });
});
