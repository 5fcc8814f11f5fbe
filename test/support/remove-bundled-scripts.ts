/**
 * Vitest global setup: removes the test processes' bundled child scripts when the run ends. Vitest ends
 * its worker processes without running their exit handlers, so they cannot remove their own.
 */
import { rmSync } from 'node:fs';
import { BUNDLES_DIR } from './bundled-script.js';

/** Nothing to set up; the returned teardown removes the folder. */
export default function setup(): () => void {
  return () => rmSync(BUNDLES_DIR, { recursive: true, force: true });
}
