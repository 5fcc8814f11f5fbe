/** Every flow of the TIMS pair, variants included, loads (schema, expressions, exactly-once keys) and passes its own sample records, as `syncline flow test` runs them. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowFileNames, flowSampleFailures } from '../../support/flows.js';
import { TIMS_FLOWS_DIR } from './harness.js';

const VARIANTS_DIR = path.join(TIMS_FLOWS_DIR, 'variants');

describe('flows/tims', () => {
  it.each(flowFileNames(TIMS_FLOWS_DIR))('%s loads and passes its samples', async (file) => {
    expect(await flowSampleFailures(TIMS_FLOWS_DIR, file)).toEqual([]);
  });

  it.each(flowFileNames(VARIANTS_DIR))('variants/%s loads and passes its samples', async (file) => {
    expect(await flowSampleFailures(VARIANTS_DIR, file)).toEqual([]);
  });
});
