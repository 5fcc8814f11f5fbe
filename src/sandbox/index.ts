/** Every emulator by name, for `syncline sandbox`, the demo and the tests. */
import type { EmulatorOptions, RunningEmulator } from './shared/types.js';
import { startHttpSink } from './http-sink/index.js';
import { startSalesforceEmulator } from './salesforce/index.js';
import { startPardotEmulator } from './pardot/index.js';
import { startSage100Emulator } from './sage100/index.js';
import { startSageX3Emulator } from './sagex3/index.js';
import { startClarityEmulator } from './clarity/index.js';
import { startTimsEmulator } from './tims/index.js';

/** Names accepted by `syncline sandbox`. */
export type EmulatorName = 'salesforce' | 'pardot' | 'sage100' | 'sagex3' | 'clarity' | 'tims' | 'http-sink';

/** Start functions by name. */
export const EMULATORS: Record<EmulatorName, (o: EmulatorOptions) => Promise<RunningEmulator>> = {
  salesforce: startSalesforceEmulator,
  pardot: startPardotEmulator,
  sage100: startSage100Emulator,
  sagex3: startSageX3Emulator,
  clarity: startClarityEmulator,
  tims: startTimsEmulator,
  'http-sink': startHttpSink,
};
