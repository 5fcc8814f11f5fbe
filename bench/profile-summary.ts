// Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time and the
// files (modules) whose code ran longest, so a benchmark's notes can say where the time went.
//   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top N]');
  process.exit(2);
}
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
// Samples are node ids at each tick; timeDeltas are the microseconds before each sample.
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const fns = new Map<string, number>();
const files = new Map<string, number>();
let total = 0;
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  total += us;
  const where = url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '') || '(native)';
  const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const mod = where.includes('node_modules/') ? where.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, 'npm:$1') : where;
  files.set(mod, (files.get(mod) ?? 0) + us);
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
};
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`);
show('self time by module/package', files);
show('self time by function', fns);
