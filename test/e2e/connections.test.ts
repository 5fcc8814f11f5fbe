/** The sandbox connections authenticate against the emulators' default credentials. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyFixture, type JourneyFixture } from '../support/journeys.js';

describe('sandbox connections', () => {
  let f: JourneyFixture;
  beforeAll(async () => {
    f = await journeyFixture({ flows: [] });
  }, 60_000);
  afterAll(async () => f?.close());

  it.each(['salesforce', 'pardot', 'sage100'])('%s checks out against its emulator', async (name) => {
    const res = await f.hub.testConnection(name);
    expect(res, JSON.stringify(res)).toMatchObject({ ok: true });
  });
});
