/**
 * Replay and cost previews (issue 17) against the emulators: what a dead letter's replay would write
 * next to what the target holds, and the calls a load would spend against today's budget.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOWS_DIR, journeyFixture, type JourneyFixture } from '../support/journeys.js';
import { requirePostgres } from '../support/postgres.js';

describe.each(['sqlite', 'postgres'] as const)('replay and cost previews on %s', (storeKind) => {
  let f: JourneyFixture;
  let run = true;
  beforeAll(async () => {
    if (storeKind === 'postgres') run = await requirePostgres('previews on postgres');
    if (!run) return;
    f = await journeyFixture({ flows: ['lead-to-customer'], store: storeKind });
    await f.hub.deployFlow(readFileSync(path.join(FLOWS_DIR, 'two-way', 'customer-master.yaml'), 'utf8'), 'test');
  }, 60_000);
  afterAll(async () => f?.close());

  it('shows what a dead letter\'s replay would write, field by field, before and after a fix', async () => {
    if (!run) return;
    const org = f.salesforce.state.org;
    const leadId = org.insert('Lead', { Status: 'Open - Not Contacted', LastName: 'Diaz', Company: 'Adventure Works Cycles International Holdings', Email: 'diaz@adventure-works.example' }).id;
    f.salesforce.state.convertLead(leadId);
    await f.poll('lead-to-customer');
    const [dl] = await f.store.listDeadLetters({ status: 'open' });
    const before = (await f.hub.previewReplay(dl.id))!;
    // Nothing written: the preview says the replay would fail again, and why.
    expect(before.targets[0]).toMatchObject({ action: 'fails' });
    expect(before.targets[0].error).toMatch(/CustomerName/);

    const payload = dl.payload as { record: Record<string, unknown> };
    await f.store.updateDeadLetterPayload(dl.id, { ...payload, record: { ...payload.record, Company: 'Adventure Works Cycles' } }, 'test');
    const after = (await f.hub.previewReplay(dl.id))!;
    expect(after.targets[0]).toMatchObject({ connection: 'sage100', entity: 'AR_Customer', action: 'create', id: null });
    expect(after.targets[0].fields.find((x) => x.field === 'CustomerName')).toEqual({ field: 'CustomerName', write: 'Adventure Works Cycles', now: null, changes: true });
    expect(await f.store.listDeadLetters({ status: 'open' })).toHaveLength(1);
  });

  it('prices an initial load and a reconciliation against the remaining daily budget', async () => {
    if (!run) return;
    const small = await f.hub.costPreview('customer-master', 'load', { salesforce: 1200, sage100: 40 });
    const sf = small.lines.find((l) => l.connection === 'salesforce')!;
    // 3 pages read, then 1,200 records each read again and written with a key write-back.
    expect(sf).toMatchObject({ reads: 3 + 1200, writes: 1200, calls: 2403, fits: true });
    expect(sf.limit).toBeGreaterThan(0);
    expect(sf.remaining).toBeLessThanOrEqual(sf.limit!);
    const recon = await f.hub.costPreview('customer-master', 'reconcile', { salesforce: 1200, sage100: 40 });
    // A reconciliation reads each side whole, 2,000 records a page.
    expect(recon.lines.find((l) => l.connection === 'salesforce')).toMatchObject({ reads: 1, writes: 0 });
    expect(recon.assumptions.join('\n')).toMatch(/pages of 2000/);
    const huge = await f.hub.costPreview('customer-master', 'load', { salesforce: 10_000_000, sage100: 1 });
    expect(huge.lines.find((l) => l.connection === 'salesforce')!.fits).toBe(false);
    expect(huge.assumptions.join('\n')).toMatch(/pages of 500/);
  });
});
