/** What `syncline sandbox sagex3` prints is enough to connect: the printed addresses and users work. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSageX3Emulator, type RunningSageX3Emulator } from '../../../src/sandbox/sagex3/index.js';

let emu: RunningSageX3Emulator;
beforeAll(async () => {
  emu = await startSageX3Emulator({ seedSize: { customers: 3, items: 3, orders: 1 } });
});
afterAll(() => emu.close());

function info(label: string): string {
  const value = new Map(emu.connectInfo!()).get(label);
  if (value === undefined) throw new Error(`connectInfo has no "${label}"`);
  return value;
}

describe('Sage X3 emulator connectInfo', () => {
  it('prints a WSDL address that serves the web service, and a REST base and user that answer', async () => {
    expect(await (await fetch(info('WSDL'))).text()).toContain('CAdxWebServiceXmlCC');
    const [user, password] = info('users (Basic auth)').split(',')[0].split(' / ');
    const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const ok = await fetch(`${info('REST api1 base')}/ITMMASTER?representation=ITMMASTER.$query&count=1`, { headers: { authorization: auth } });
    expect(ok.status).toBe(200);
    const refused = await fetch(`${info('REST api1 base')}/ITMMASTER?representation=ITMMASTER.$query&count=1`, { headers: { authorization: `Basic ${Buffer.from(`${user}:wrong`).toString('base64')}` } });
    expect(refused.status).toBe(401);
    expect(info('published web services')).toContain('WSBPC');
  });
});
