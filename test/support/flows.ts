/** Flow files used by engine tests, and the check that a directory's flows pass their own samples. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadFlow } from '../../src/engine/flow-loader.js';
import { runFlowTests } from '../../src/mapping/index.js';

/** The test flow: webhook records → sink contacts, matched by email. */
export function flowYaml(name = 'contacts-to-sink', extra = ''): string {
  return `name: ${name}
trigger:
  type: webhook
  unsigned: true
source:
  connection: shop
  entity: customer
targets:
  - name: contact
    connection: sink
    entity: contacts
    mapping:
      email: { expr: "$lowercase($trim(email))", required: true }
      name: name
      source_id: id
    match:
      keys: [email]
errorPolicy:
  maxAttempts: 4
  initialInterval: 10ms
  maxInterval: 100ms
${extra}`;
}


/** Every `<dir>/*.yaml` flow (not the *.tests.yaml companions) by file name. */
export function flowFileNames(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.endsWith('.tests.yaml')).sort();
}

/**
 * Loads one flow file and runs its own sample records as `syncline flow test` does; returns the
 * failing cases (empty when every sample passes). Throws when the flow does not load or has no samples.
 */
export async function flowSampleFailures(dir: string, file: string): Promise<string[]> {
  const loaded = loadFlow(readFileSync(path.join(dir, file), 'utf8'), file);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  const def = loaded.flow.def;
  if (!def.tests?.length) throw new Error(`${file} has no sample records (tests:)`);
  const report = await runFlowTests(def, def.tests);
  return report.cases.filter((c) => !c.ok).map((c) => `${c.name}: ${c.problems.join('; ')}`);
}
