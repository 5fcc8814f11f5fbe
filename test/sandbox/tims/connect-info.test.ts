/** What `syncline sandbox tims` prints is enough to connect: the base URL and bearer key work as printed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTimsEmulator, type RunningTimsEmulator } from '../../../src/sandbox/tims/index.js';

let emu: RunningTimsEmulator;
const fact = (label: string) => {
  const value = new Map(emu.connectInfo!()).get(label);
  if (value === undefined) throw new Error(`connectInfo has no "${label}"`);
  return value;
};

beforeAll(async () => {
  emu = await startTimsEmulator();
});
afterAll(async () => emu?.close());

describe('connectInfo', () => {
  it('prints a base URL and bearer key that reach the bridge, and the company they answer', async () => {
    const base = fact('bridge base URL');
    const [name, value] = fact('API key').split(', ')[0].split(': ');
    const res = await fetch(`${base}/info`, { headers: { [name]: value } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { contractVersion: string; companyName: string };
    expect(fact('company')).toBe(body.companyName);
    expect(fact('contract')).toContain(body.contractVersion);
    expect((await fetch(`${base}/info`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('prints a control prefix whose endpoints answer', async () => {
    const control = fact('control API').split(' ')[0];
    const clock = await fetch(`${control}clock`);
    expect(clock.status).toBe(200);
    expect((await clock.json()) as object).toHaveProperty('now');
  });
});
