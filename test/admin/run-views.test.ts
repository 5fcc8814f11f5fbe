/**
 * Runs and dead letters in plain words, computed by the admin API: who the record is, who started
 * the run, why it was skipped, the mapping's warnings, who refused a failed record; empty polls
 * hidden on request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerializedError } from '../../src/core/errors.js';
import { plainReason, refusedBy } from '../../src/server/admin/dead-letter-reason.js';
import { recordIdentity } from '../../src/server/admin/record-identity.js';
import { flowYaml, seedRun, startHarness, type Harness } from './harness.js';

describe('who a record is', () => {
  it('finds name, e-mail and company under each system\'s field names', () => {
    expect(recordIdentity({ record: { Id: '00Q1', FirstName: 'Ann', LastName: 'Lee', Email: 'ann@example.com', Company: 'Contoso' }, id: '00Q1' })).toEqual({ name: 'Ann Lee', email: 'ann@example.com', company: 'Contoso' });
    expect(recordIdentity({ first_name: 'Bo', last_name: 'Ray', email: 'bo@example.com', company: 'Fabrikam' })).toEqual({ name: 'Bo Ray', email: 'bo@example.com', company: 'Fabrikam' });
    expect(recordIdentity({ CustomerName: 'Northwind Traders', EmailAddress: 'ap@northwind.example' })).toEqual({ name: 'Northwind Traders', email: 'ap@northwind.example' });
    expect(recordIdentity({ BPCNAM: 'Adatum', CNTEMA: 'buyer@adatum.example' })).toEqual({ name: 'Adatum', email: 'buyer@adatum.example' });
    expect(recordIdentity({ FirstName: 'Cy', LastName: 'Ito', Account: { Name: 'Litware' } })).toEqual({ name: 'Cy Ito', company: 'Litware' });
  });

  it('knows nobody from ids alone, and drops an e-mail field that holds no address', () => {
    expect(recordIdentity({ Id: '1', Amount: 3 })).toEqual({});
    expect(recordIdentity({ Email: 'n/a', Name: 'Dee' })).toEqual({ name: 'Dee' });
    expect(recordIdentity(null)).toEqual({});
    expect(recordIdentity([1, 2])).toEqual({});
  });
});

describe('who refused a record', () => {
  const err = (kind: SerializedError['kind'], details: SerializedError['details'], message = 'Name is too long'): SerializedError => ({ kind, message, details });

  it('tells Syncline\'s pre-check and mapping from the target system', () => {
    const pre = err('invalid_data', { field: 'Name', rule: 'maxLength 30', refusedBy: 'precheck' });
    expect(refusedBy(pre)).toBe('precheck');
    expect(plainReason(pre)).toBe("Syncline's own pre-check refused the record before sending it, against the target's field rules: Name is too long (field Name, rule \"maxLength 30\"). Fix the value in the payload (or in the source record) and replay.");
    const mapping = err('invalid_data', { field: 'Email', rule: 'required' }, 'required, but the rule gave null');
    expect(refusedBy(mapping)).toBe('syncline');
    expect(plainReason(mapping)).toMatch(/^Syncline's mapping refused the record before sending anything: required/);
    const target = err('invalid_data', { system: 'http', status: 400, field: 'Name' });
    expect(refusedBy(target)).toBe('target');
    expect(plainReason(target)).toMatch(/^The target system \(http\) refused the record with HTTP 400: Name is too long \(field Name\)/);
    expect(refusedBy(err('not_found', { system: 'sage100', vendorCode: 'CI_NoKey' }))).toBe('target');
  });

  it('names nobody when the target was unreachable or slowing us down', () => {
    expect(refusedBy(err('retryable', { system: 'http', status: 503 }))).toBeNull();
    expect(refusedBy(err('rate_limited', { system: 'pardot', status: 429 }))).toBeNull();
    expect(refusedBy(err('retryable', {}, 'ECONNREFUSED'))).toBeNull();
    expect(plainReason(err('retryable', { system: 'http' }, 'timed out'))).toMatch(/^The target \(http\) kept failing: timed out\./);
  });
});

describe('runs and dead letters through the admin API', () => {
  let h: Harness;
  const viewer = () => h.clients.viewer.session;
  const operator = () => h.clients.operator.session;
  let eve: string;
  let skipped: string;

  beforeAll(async () => {
    h = await startHarness();
    await h.hub.deployFlow(flowYaml(), 'admin');
    eve = await seedRun(h.store, {
      flow: 'leads-to-erp',
      payload: { record: { Id: '00Q7', FirstName: 'Eve', LastName: 'Stone', Email: 'eve@example.com', Company: 'Contoso', Phone: 'n/a' }, id: '00Q7' },
      recordKey: '00Q7',
      traces: [
        { step: 'trigger', status: 'ok', connection: 'crm', entity: 'Lead', externalId: '00Q7', after: { Id: '00Q7', FirstName: 'Eve', LastName: 'Stone', Email: 'eve@example.com', Company: 'Contoso', Phone: 'n/a' }, keys: ['00q7', 'eve@example.com'] },
        {
          step: 'map:customer',
          status: 'ok',
          connection: 'erp',
          entity: 'Customer',
          after: { Email: 'eve@example.com', Phone: null },
          lineage: [
            { field: 'Email', sources: ['Email'], rule: 'copy Email', value: 'eve@example.com' },
            { field: 'Phone', sources: ['Phone'], rule: '$phoneE164(Phone, "US")', value: null, warning: '$phoneE164 gave null for "n/a" (from Phone)' },
          ],
          keys: ['00q7'],
        },
      ],
    });
    skipped = await seedRun(h.store, {
      flow: 'leads-to-erp',
      payload: { record: { Id: '00Q8', first_name: 'Sam', last_name: 'Ode', email: 'sam@example.com' }, id: '00Q8' },
      recordKey: '00Q8',
      status: 'skipped',
      traces: [
        { step: 'trigger', status: 'ok', after: { Id: '00Q8', first_name: 'Sam', last_name: 'Ode', email: 'sam@example.com' }, keys: ['00q8'] },
        { step: 'filter', status: 'skipped', after: { filter: 'IsConverted = true' }, keys: ['00q8'] },
      ],
    });
    await seedRun(h.store, {
      flow: 'leads-to-erp',
      payload: { record: { Id: '00Q9', Name: 'Dana Alexandra Featherstonehaugh-Smythe', Email: 'dana@example.com' }, id: '00Q9' },
      recordKey: '00Q9',
      traces: [{ step: 'trigger', status: 'ok', after: { Id: '00Q9', Name: 'Dana Alexandra Featherstonehaugh-Smythe', Email: 'dana@example.com' }, keys: ['00q9'] }],
      error: { kind: 'invalid_data', message: 'Name is 39 characters, more than 30', details: { field: 'Name', rule: 'maxLength 30', refusedBy: 'precheck' } },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const runOf = async (key: string) => {
    const runs = (await h.call('GET', `/api/v1/runs?key=${key}`, viewer())).json() as Array<Record<string, unknown>>;
    expect(runs.length, key).toBeGreaterThan(0);
    return runs[0];
  };

  it('names the record, says the system started it and shows the mapping warning', async () => {
    const run = await runOf('00Q7');
    expect(run).toMatchObject({
      record: { name: 'Eve Stone', email: 'eve@example.com', company: 'Contoso' },
      startedBy: 'system',
      warnings: ['customer: Phone: $phoneE164 gave null for "n/a" (from Phone)'],
    });
    expect(run.skipReason).toBeUndefined();
    const detail = (await h.call('GET', `/api/v1/runs/${run.id}`, viewer())).json();
    expect(detail.run).toMatchObject({ record: { name: 'Eve Stone' }, warnings: run.warnings });
    expect(detail.traces.find((t: { step: string }) => t.step === 'map:customer').lineage[1].warning).toBe('$phoneE164 gave null for "n/a" (from Phone)');
    expect(eve).toBeTruthy();
  });

  it('says why a record was skipped in the flow\'s own words', async () => {
    const run = await runOf('00Q8');
    expect(run).toMatchObject({ status: 'skipped', skipReason: "the flow's filter `IsConverted = true` is false for this record", record: { name: 'Sam Ode', email: 'sam@example.com' } });
    expect(skipped).toBeTruthy();
  });

  it('says Syncline\'s pre-check refused a dead record, on the run and on its dead letter', async () => {
    const run = await runOf('00Q9');
    expect(run).toMatchObject({ status: 'dead', refusedBy: 'precheck', record: { name: 'Dana Alexandra Featherstonehaugh-Smythe', email: 'dana@example.com' } });
    expect(run.reason).toMatch(/^Syncline's own pre-check refused the record before sending it/);
    const [letter] = (await h.call('GET', '/api/v1/dead-letters', viewer())).json();
    expect(letter).toMatchObject({ refusedBy: 'precheck', record: { name: 'Dana Alexandra Featherstonehaugh-Smythe', email: 'dana@example.com' } });
    expect(letter.reason).toBe(run.reason);
  });

  it('attributes a replay to the operator who asked for it', async () => {
    const [letter] = (await h.call('GET', '/api/v1/dead-letters', viewer())).json();
    const [{ jobId }] = (await h.call('POST', `/api/v1/dead-letters/${letter.id}/replay`, operator())).json().replayed;
    const [job] = await h.store.claimJobs({ workerId: 'seed', limit: 10, leaseMs: 60_000, flows: ['leads-to-erp'] });
    expect(job.id).toBe(jobId);
    const at = new Date().toISOString();
    await h.store.completeJob({ jobId, workerId: 'seed', run: { jobId, flow: 'leads-to-erp', flowVersion: job.flowVersion, trigger: 'replay', status: 'succeeded', recordKey: '00Q9', startedAt: at, finishedAt: at }, traces: [{ step: 'write:customer', status: 'ok', keys: ['00q9'] }] });
    const run = await runOf('00Q9');
    expect(run).toMatchObject({ trigger: 'replay', startedBy: 'operator' });
    expect((await h.call('GET', `/api/v1/runs/${run.id}`, viewer())).json().run.startedBy).toBe('operator');
  });

  it('hides polls that found nothing when asked to', async () => {
    const [pollJob] = await h.store.enqueue([{ flow: 'leads-to-erp', flowVersion: 1, kind: 'poll', payload: { read: 'changes', reason: 'poll' }, maxAttempts: 1 }]);
    await h.store.claimJobs({ workerId: 'seed', limit: 10, leaseMs: 60_000, flows: ['leads-to-erp'] });
    const at = new Date().toISOString();
    await h.store.completeJob({ jobId: pollJob, workerId: 'seed', run: { jobId: pollJob, flow: 'leads-to-erp', flowVersion: 1, trigger: 'poll', status: 'succeeded', recordKey: null, startedAt: at, finishedAt: at, stats: { attempt: 1, pages: 1, records: 0, queuedJobIds: [] } }, traces: [] });
    const all = (await h.call('GET', '/api/v1/runs?flow=leads-to-erp', viewer())).json() as Array<{ trigger: string; startedBy: string }>;
    expect(all[0]).toMatchObject({ trigger: 'poll', startedBy: 'system' });
    const shown = (await h.call('GET', '/api/v1/runs?flow=leads-to-erp&hideEmptyPolls=true', viewer())).json() as Array<{ trigger: string }>;
    expect(shown).toHaveLength(all.length - 1);
    expect(shown.some((r) => r.trigger === 'poll')).toBe(false);
  });
});
