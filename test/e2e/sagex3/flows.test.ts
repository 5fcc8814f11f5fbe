/** Every flow of the Sage X3 pair loads (schema, expressions, exactly-once keys) and passes its own sample records, as `syncline flow test` runs them. */
import { describe, expect, it } from 'vitest';
import { flowFileNames, flowSampleFailures } from '../../support/flows.js';
import { X3_FLOWS_DIR } from '../../support/journeys.js';

describe('flows/sagex3', () => {
  it.each(flowFileNames(X3_FLOWS_DIR))('%s loads and passes its samples', async (file) => {
    expect(await flowSampleFailures(X3_FLOWS_DIR, file)).toEqual([]);
  });
});
