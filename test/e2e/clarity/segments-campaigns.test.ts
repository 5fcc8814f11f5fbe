/**
 * Journey 8 end to end: shop segments keep each prospect on exactly one segment list as the segment
 * changes; a prospect added to a paired Pardot list becomes a Salesforce campaign member and a
 * campaign member becomes a list member, without echoing back; a removal from the list removes the
 * campaign member, and a member removed from the campaign leaves the list. Reading again changes nothing; a bad record goes to the dead-letter queue and a
 * fixed replay lands once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSecond } from '../../../src/sandbox/pardot/time.js';
import { nextSecond } from '../../support/journeys.js';
import { journeyStores } from '../../support/postgres.js';
import { clarityFixture, type ClarityFixture } from './harness.js';

const FLOWS = ['clarity-accounts', 'clarity-customers', 'clarity-segments', 'clarity-list-to-campaign', 'clarity-campaign-to-list'];
const SEGMENT_LISTS: Record<string, number> = { Retail: 48215, Wholesale: 48216, Distributor: 48217 };
const NEWSLETTER = 48213;
const WEBINAR = '701Hs000000002jIAA';

describe.each(await journeyStores('journey 8: segments, lists and campaigns'))('journey 8: segments, lists and campaigns on %s', (store) => {
  let f: ClarityFixture;
  beforeAll(async () => {
    f = await clarityFixture(FLOWS, { store });
    for (const flow of ['clarity-accounts', 'clarity-customers', 'clarity-segments']) await f.poll(flow);
  }, 60_000);
  afterAll(async () => f?.close());

  const prospectOf = (email: string) => [...f.pardot.state.prospects.values()].find((p) => p.email === email && !p.isDeleted)!;
  const listsOf = (prospectId: unknown) =>
    [...f.pardot.state.listMemberships.values()].filter((m) => m.prospectId === prospectId && !m.isDeleted).map((m) => Number(m.listId)).sort();
  const contactOf = (email: string) => [...f.salesforce.state.org.table('Contact').values()].find((c) => c.Email === email)!;
  const members = () => [...f.salesforce.state.org.table('CampaignMember').values()].filter((m) => m.CampaignId === WEBINAR);
  const addToNewsletter = (prospectId: unknown) => {
    const id = f.pardot.state.nextId('listMembership');
    const at = toSecond(Date.now());
    f.pardot.state.listMemberships.set(id, { id, listId: NEWSLETTER, prospectId, optedOut: false, isDeleted: false, createdById: 1001, updatedById: 1001, createdAt: at, updatedAt: at });
    return id;
  };

  it('every shopper is on the list of their segment, and only that one', async () => {
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
    for (const u of f.shop.state.rows('User')) {
      expect(listsOf(prospectOf(String(u.Email)).id)).toEqual([SEGMENT_LISTS[String(u.TypeKey)]]);
    }
  });

  it('a segment change moves the prospect from one list to the other; a re-read changes nothing', async () => {
    const maria = f.shop.userByEmail('maria.delgado@abbottfasteners.example')!;
    f.shop.advanceClock(60_000);
    f.shop.editUser(Number(maria.ID), { TypeKey: 'Distributor' });
    await f.poll('clarity-segments');
    const pid = prospectOf('maria.delgado@abbottfasteners.example').id;
    expect(listsOf(pid)).toEqual([SEGMENT_LISTS.Distributor]);
    const before = f.pardot.state.listMemberships.size;
    await f.poll('clarity-segments');
    expect(f.pardot.state.listMemberships.size).toBe(before);
    expect(prospectOf('maria.delgado@abbottfasteners.example').shop_segment__c).toBe('Distributor');
  });

  it('list → campaign and campaign → list, without echo; a removal from the list removes the member', async () => {
    const maria = prospectOf('maria.delgado@abbottfasteners.example');
    const membership = addToNewsletter(maria.id);
    await f.poll('clarity-list-to-campaign');
    expect(members().map((m) => m.ContactId)).toEqual([contactOf('maria.delgado@abbottfasteners.example').Id]);
    // The member the hub made is read back by the other direction: linked already, nothing echoes.
    await f.poll('clarity-campaign-to-list');
    await f.poll('clarity-list-to-campaign');
    expect(members()).toHaveLength(1);
    expect([...f.pardot.state.listMemberships.values()].filter((m) => m.listId === NEWSLETTER && m.prospectId === maria.id && !m.isDeleted)).toHaveLength(1);

    // A sales rep adds Priya to the campaign in Salesforce.
    const priyaContact = contactOf('priya.raman@blueridgehydraulics.example');
    f.salesforce.state.org.insert('CampaignMember', { CampaignId: WEBINAR, ContactId: priyaContact.Id, Status: 'Sent' });
    await f.poll('clarity-campaign-to-list');
    await f.poll('clarity-list-to-campaign');
    await f.poll('clarity-campaign-to-list');
    const priya = prospectOf('priya.raman@blueridgehydraulics.example');
    expect(listsOf(priya.id)).toContain(NEWSLETTER);
    expect(members()).toHaveLength(2);

    // Maria leaves the Pardot list: her campaign member goes (Pardot stamps whole seconds: a new one).
    await nextSecond();
    const row = f.pardot.state.listMemberships.get(membership)!;
    Object.assign(row, { isDeleted: true, updatedAt: toSecond(Date.now()) });
    await f.poll('clarity-list-to-campaign');
    expect(members().map((m) => m.ContactId)).toEqual([priyaContact.Id]);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);

    // The sales rep removes Priya from the campaign: she leaves the list, and nothing comes back.
    const priyaMember = members().find((m) => m.ContactId === priyaContact.Id)!;
    f.salesforce.state.org.remove('CampaignMember', String(priyaMember.Id));
    await f.poll('clarity-campaign-to-list');
    expect(listsOf(priya.id)).not.toContain(NEWSLETTER);
    await f.poll('clarity-list-to-campaign');
    await f.poll('clarity-campaign-to-list');
    expect(members()).toHaveLength(0);
    expect(listsOf(priya.id)).not.toContain(NEWSLETTER);
    expect(await f.store.listDeadLetters({ status: 'open' })).toEqual([]);
  });

  it('a segment list that no longer exists dead-letters the user with a readable reason; fixed, the replay lands once', async () => {
    const elena = f.shop.userByEmail('elena.petrova@cascadepackaging.example')!;
    f.shop.advanceClock(60_000);
    f.shop.editUser(Number(elena.ID), { TypeKey: 'Retail' });
    const retail = f.pardot.state.lists.get(SEGMENT_LISTS.Retail)!;
    f.pardot.state.lists.delete(SEGMENT_LISTS.Retail);
    await f.poll('clarity-segments');
    const [dl, ...more] = await f.store.listDeadLetters({ status: 'open', flow: 'clarity-segments' });
    expect(more).toHaveLength(0);
    expect(dl.error.message).toMatch(/list/i);
    f.pardot.state.lists.set(SEGMENT_LISTS.Retail, retail);
    await f.store.replayDeadLetters([dl.id], 'test');
    await f.drain();
    expect(listsOf(prospectOf('elena.petrova@cascadepackaging.example').id)).toEqual([SEGMENT_LISTS.Retail]);
    expect((await f.store.getDeadLetter(dl.id))?.status).toBe('replayed');
  });
});
