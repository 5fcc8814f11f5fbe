import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map<string, number>(); const fileIncl = new Map<string, number>();
let total = 0;
p.samples.forEach((id: number, i: number) => {
  const dt = p.timeDeltas[i] ?? 0;
  const leaf = byId.get(id) as any;
  if (['(idle)', '(program)'].includes(leaf.callFrame.functionName)) return;
  total += dt;
  const seen = new Set<string>(); const seenF = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = (byId.get(cur) as any).callFrame;
    const short = cf.url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '');
    const k = `${cf.functionName || '(anon)'} ${short}:${cf.lineNumber}`;
    if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + dt); }
    const f = short.includes('node_modules') ? short.replace(/.*node_modules\/(@[^/]+\/[^/]+|[^/]+).*/, 'npm:$1') : short;
    if (!seenF.has(f)) { seenF.add(f); fileIncl.set(f, (fileIncl.get(f) ?? 0) + dt); }
  }
});
console.log('non-idle ms', (total / 1000).toFixed(0));
const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${(v / 1000).toFixed(0).padStart(7)} ms ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(top(fileIncl, Number(process.argv[3] ?? 40)));
console.log('---');
console.log(top(incl, Number(process.argv[4] ?? 60)));
