/** The stream, outboundMessage and adaptive poll triggers as the flow loader validates them. */
import { describe, expect, it } from 'vitest';
import { loadFlow } from '../../src/engine/flow-loader.js';
import { flowYaml } from '../support/flows.js';

const withTrigger = (trigger: string) => flowYaml('rt').replace('trigger:\n  type: webhook\n  unsigned: true', `trigger:\n${trigger}`);
const issues = (trigger: string) => {
  const res = loadFlow(withTrigger(trigger));
  return res.ok ? [] : res.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('real-time triggers', () => {
  it('accepts a stream trigger with or without a channel, and its fallback interval', () => {
    expect(issues('  type: stream\n')).toEqual([]);
    expect(issues('  type: stream\n  channel: /data/AccountChangeEvent\n  pollEvery: 30s\n  pageSize: 100\n')).toEqual([]);
    expect(issues('  type: stream\n  channel: /event/Order_Event__e\n')).toEqual([]);
  });

  it('refuses a bad channel or interval, naming the field', () => {
    expect(issues('  type: stream\n  channel: AccountChangeEvent\n').join()).toMatch(/trigger\/channel/);
    expect(issues('  type: stream\n  pollEvery: soon\n').join()).toMatch(/trigger\/pollEvery/);
    expect(issues('  type: poll\n  every: 1m\n  minEvery: fast\n').join()).toMatch(/trigger\/minEvery/);
  });

  it('takes an outboundMessage trigger only with a secret reference, never a literal', () => {
    expect(issues('  type: outboundMessage\n  secret: env:SYNCLINE_OM_SECRET\n')).toEqual([]);
    expect(issues('  type: outboundMessage\n').join()).toMatch(/secret/);
    expect(issues('  type: outboundMessage\n  secret: hunter2\n').join()).toMatch(/trigger\/secret: a secret written in a flow file/);
  });
});
