/**
 * The container image and the orchestration files cannot be built or run here (no Docker engine), so
 * this checks what can go wrong in them without one: the image is multi-stage, runs as a non-root user
 * with a health check and a signal-forwarding init; and every command a container runs is a real
 * `syncline` command with real options (the same commands the tests run), probed on the endpoints the
 * worker and API node serve.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startCommands } from '../../src/cli/commands/start.js';

const cli = new Command();
startCommands(cli);
const mainSource = readFileSync('src/cli/main.ts', 'utf8');

/** Fails unless `args` names a syncline command and only options it declares. */
function expectRealCommand(args: string[], where: string): void {
  const [name, ...rest] = args;
  if (name === 'migrate') {
    expect(mainSource, `${where}: migrate`).toContain(".command('migrate')");
    expect(rest, `${where}: migrate takes no options`).toEqual([]);
    return;
  }
  const cmd = cli.commands.find((c) => c.name() === name);
  expect(cmd, `${where}: "${name}" is not a syncline command`).toBeDefined();
  const longs = new Set(cmd!.options.map((o) => o.long));
  for (const a of rest.filter((x) => x.startsWith('--'))) expect(longs.has(a), `${where}: ${name} has no option ${a}`).toBe(true);
}

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

  it('builds in one stage and runs in a slimmer one, as a non-root user, with a health check', () => {
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const final = text.slice(text.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final).toMatch(/^HEALTHCHECK\s/m);
    expect(final).toMatch(/\/readyz/);
    expect(final).toMatch(/unixodbc/);
    // Without an init, SIGTERM to PID 1 node is not forwarded the way the drain expects.
    // The launcher (bin/syncline), which execs Node with the runtime settings (test/cli/signals.test.ts).
    expect(final).toMatch(/ENTRYPOINT \[.*tini.*"bin\/syncline"\]/);
    expect(text).toMatch(/npm ci/);
  });

  it('defaults to a real command', () => {
    const cmd = JSON.parse(/^CMD\s+(\[.*\])/m.exec(text)![1]) as string[];
    expectRealCommand(cmd, 'Dockerfile CMD');
  });

  it('does not ship the developer folders (.dockerignore)', () => {
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n');
    for (const p of ['node_modules', '.git', '.syncline', 'web/dist']) expect(ignore).toContain(p);
  });
});

describe('deploy/compose.yaml', () => {
  const doc = parse(readFileSync('deploy/compose.yaml', 'utf8'), { merge: true }) as { services: Record<string, { command?: string[]; depends_on?: Record<string, { condition: string }>; healthcheck?: unknown; deploy?: { replicas?: number }; environment?: Record<string, string> }> };

  it('runs PostgreSQL, migrations once, one API node and two workers', () => {
    const s = doc.services;
    expect(Object.keys(s).sort()).toEqual(['api', 'migrate', 'postgres', 'worker']);
    expect(s.api.command).toEqual(['start', '--no-worker']);
    expect(s.worker.command?.[0]).toBe('worker');
    expect(s.worker.deploy?.replicas).toBe(2);
    expect(s.migrate.command).toEqual(['migrate']);
    expect(s.api.depends_on?.migrate.condition).toBe('service_completed_successfully');
    expect(s.worker.depends_on?.migrate.condition).toBe('service_completed_successfully');
    expect(s.postgres.healthcheck).toBeDefined();
    for (const [name, svc] of Object.entries(s)) if (svc.command) expectRealCommand(svc.command, `compose service ${name}`);
  });

  it('gives every process the same database and master key', () => {
    for (const name of ['migrate', 'api', 'worker']) {
      const env = doc.services[name].environment ?? {};
      expect(env.SYNCLINE_DATABASE_URL, name).toMatch(/^postgres:\/\//);
      expect(env.SYNCLINE_MASTER_KEY, name).toMatch(/SYNCLINE_MASTER_KEY/);
    }
  });
});

describe('deploy/kubernetes', () => {
  const docs = parseAllDocuments(readFileSync('deploy/kubernetes/syncline.yaml', 'utf8')).map((d) => d.toJS() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any
  const byName = new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));

  it('has a migration job, an API deployment with a service, and a worker deployment', () => {
    expect([...byName.keys()].sort()).toEqual(['Deployment/syncline-api', 'Deployment/syncline-worker', 'Job/syncline-migrate', 'Service/syncline-api']);
    for (const d of docs) expect(typeof d.apiVersion).toBe('string');
  });

  it('probes the endpoints each role serves and runs real commands as non-root', () => {
    for (const key of ['Deployment/syncline-api', 'Deployment/syncline-worker', 'Job/syncline-migrate']) {
      const spec = byName.get(key)!.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot, key).toBe(true);
      const c = spec.containers[0];
      expectRealCommand(c.args, key);
      const env = new Map((c.env as Array<{ name: string }>).map((e) => [e.name, e]));
      expect(env.has('SYNCLINE_DATABASE_URL') && env.has('SYNCLINE_MASTER_KEY'), key).toBe(true);
      if (key.startsWith('Deployment')) {
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
        const portName = c.readinessProbe.httpGet.port;
        expect((c.ports as Array<{ name: string }>).map((p) => p.name)).toContain(portName);
      }
    }
    const api = byName.get('Deployment/syncline-api')!;
    const svc = byName.get('Service/syncline-api')!;
    expect(svc.spec.selector).toEqual(api.spec.selector.matchLabels);
  });
});
