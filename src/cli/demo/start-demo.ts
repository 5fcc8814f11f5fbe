/**
 * The live demo, assembled: the Salesforce and Pardot emulators and the chosen ERP's (a profile,
 * profiles/: Sage 100 by default, Sage X3 or TIMS), Syncline on a fresh embedded SQLite file with the
 * sandbox connections and the ERP's journey templates, a local demo console user, the traffic
 * generator and a status line. `syncline demo` (and `npm start`) call `startDemo`; the end-to-end
 * test does too.
 */
import { SYSTEM_ACTOR } from '../../core/actors.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger as PinoLogger } from 'pino';
import { startPardotEmulator, type RunningPardotEmulator } from '../../sandbox/pardot/index.js';
import type { RunningSage100Emulator, SeedSize } from '../../sandbox/sage100/index.js';
import type { RunningSageX3Emulator } from '../../sandbox/sagex3/index.js';
import type { RunningClarityEmulator } from '../../sandbox/clarity/index.js';
import type { RunningEmulator } from '../../sandbox/shared/types.js';
import type { RunningTimsEmulator } from '../../sandbox/tims/index.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../../sandbox/salesforce/index.js';
import { createUser } from '../../server/auth/index.js';
import { hashPassword } from '../../server/auth/password.js';
import type { SynclineConfig } from '../../server/config.js';
import { REDACT_PATHS } from '../../server/logger.js';
import { openRuntime, type Runtime } from '../../server/runtime.js';
import { TEMPLATE_FLOWS_DIR } from '../../server/paths.js';
import { startServer } from '../commands/start.js';
import { sandboxConnections } from './connections.js';
import { FlowNudger, type NudgedFlow } from './flow-nudger.js';
import { preferredPort } from './ports.js';
import { erpProfile, shopProfile } from './profiles/index.js';
import { PardotSandboxClient, SalesforceSandboxClient } from './sandbox-clients.js';
import { clock, formatStatus, readStatus } from './status.js';
import { TrafficGenerator, type BusinessEvent, type DemoSystem } from './traffic.js';

/** The demo's console sign-in. A fixed, printed password is acceptable only because the demo is local and throwaway. */
export const DEMO_USER = { username: 'demo', password: 'syncline-demo' } as const;

/** Default ports of the demo: the console and the emulators (each falls back to a free port when taken; an ERP's is its profile's). */
export const DEMO_PORTS = { console: 8080, salesforce: 4101, pardot: 4102, sage100: 4103, sagex3: 4104, tims: 4105, clarity: 4106 } as const;

/** How to run the demo. */
export interface DemoOptions {
  /** Console/API port (default 8080; 0 = any free port). Falls back to a free port when taken. */
  port?: number;
  /** Address everything listens on (default 127.0.0.1). */
  host?: string;
  /** The ERP profile (`sage100` default, `sagex3`, `tims`); see profiles/. */
  erp?: string;
  /** A web shop run beside the ERP (`clarity`); none by default. */
  shop?: string;
  /** Emulator ports by system (defaults 4101, 4102 and the ERP profile's; 0 = any free port). */
  emulatorPorts?: Partial<Record<DemoSystem, number>>;
  /** Folder of the demo's SQLite database, master key and log (default `.syncline`). */
  dataDir?: string;
  /** Reuse `<dataDir>/demo.db` instead of starting from an empty one. */
  keep?: boolean;
  /** Folder of the flow templates deployed at start (default: the ERP profile's, `flows` for Sage 100). */
  flowsDir?: string;
  /** Play business traffic (default true). */
  traffic?: boolean;
  /** Business events per minute (default 30). */
  eventsPerMinute?: number;
  /** Random source of the traffic (default: seeded from the clock). */
  random?: () => number;
  /** Every how many events one is a bad record on purpose (default 12). */
  badRecordEvery?: number;
  /** Status line period in ms (default 10 000; 0 = none). */
  statusEveryMs?: number;
  /** Run slow-polling flows right after events in their source system (default true). */
  nudgeFlows?: boolean;
  /** Log level of the server log written to `<dataDir>/demo.log` (default info). */
  logLevel?: string;
  /** Size of the seeded Sage 100 company (default the emulator's: 300 customers, 100 items, 120 orders, 1,500 invoices). */
  sage100Seed?: Partial<SeedSize>;
  /** Size of the seeded ERP folder for other profiles (the profile's seed option, e.g. `{ customers: 40 }` for Sage X3). */
  erpSeed?: Record<string, number>;
  /** Where readable lines go (default console.log). */
  print?: (line: string) => void;
}

/** A running demo. */
export interface RunningDemo {
  /** Console and admin API origin. */
  url: string;
  /** The console sign-in. */
  credentials: { username: string; password: string };
  /** The emulators; the ERP's under its profile name (`sage100` or `sagex3`) and as `erp`. */
  emulators: { salesforce: SalesforceEmulator; pardot: RunningPardotEmulator; erp: RunningEmulator; sage100?: RunningSage100Emulator; sagex3?: RunningSageX3Emulator; tims?: RunningTimsEmulator; clarity?: RunningClarityEmulator };
  /** The shop run beside the ERP, if any. */
  shop: { name: string; label: string; guide: string[] } | null;
  /** The ERP profile the demo runs (`sage100`, `sagex3`) and its label. */
  erp: { name: string; label: string; guide: string[]; companyNameLimit: number };
  runtime: Runtime;
  /** The traffic generator (null with traffic off). */
  traffic: TrafficGenerator | null;
  /** Flows deployed at start, and the files that failed to deploy with the reason. */
  flows: { deployed: Array<{ file: string; flow: string; version: number }>; failed: Array<{ file: string; error: string }>; nudged: NudgedFlow[] };
  /** Each sandbox connection's check at start (a failing Sage 100 check usually means ODBC is missing). */
  connections: Array<{ name: DemoSystem; ok: boolean; message: string }>;
  /** Where the server log goes. */
  logFile: string;
  /** Stops traffic, server, workers and emulators; safe to call twice. */
  stop(): Promise<void>;
}

const SYSTEM_LABEL: Record<string, string> = { salesforce: 'Salesforce', pardot: 'Pardot', sage100: 'Sage 100', sagex3: 'Sage X3', tims: 'TIMS', clarity: 'Clarity' };

/** One line per business event: time, system, what happened. */
export function formatEvent(e: BusinessEvent): string {
  return `${clock(e.at)}  ${(SYSTEM_LABEL[e.system] ?? e.system).padEnd(10)}  ${e.text}`;
}

function removeDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}

async function ensureDemoUser(rt: Runtime): Promise<void> {
  const existing = await rt.store.getUser(DEMO_USER.username);
  if (!existing) {
    await createUser(rt.store, { username: DEMO_USER.username, role: 'admin', password: DEMO_USER.password, mustChangePassword: false, actor: SYSTEM_ACTOR });
    return;
  }
  // A kept database may hold a demo user whose password was changed in the console: the guide must stay true.
  await rt.store.updateUser(existing.id, { role: 'admin', passwordHash: await hashPassword(DEMO_USER.password), mustChangePassword: false, disabled: false });
}

/** Deploys every flow file, one at a time, so one broken template does not stop the demo. */
async function deployTemplates(rt: Runtime, dir: string): Promise<RunningDemo['flows']> {
  const out: RunningDemo['flows'] = { deployed: [], failed: [], nudged: [] };
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    try {
      const { version } = await rt.hub.deployFlow(readFileSync(path.join(dir, file), 'utf8'), SYSTEM_ACTOR);
      out.deployed.push({ file, flow: version.flow, version: version.version });
    } catch (err) {
      out.failed.push({ file, error: (err as Error).message.split('\n')[0] });
    }
  }
  return out;
}

/** Starts the whole demo; resolves once the console answers and (unless off) the traffic has begun. */
export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const host = options.host ?? '127.0.0.1';
  const print = options.print ?? ((line: string) => console.log(line));
  const dataDir = options.dataDir ?? '.syncline';
  mkdirSync(dataDir, { recursive: true });
  const dbFile = path.join(dataDir, 'demo.db');
  if (!options.keep) removeDatabase(dbFile);
  const logFile = path.join(dataDir, 'demo.log');
  // The server log goes to a file so the terminal tells only the business story.
  const logDestination = pino.destination({ dest: logFile, sync: true, append: true });
  const logger: PinoLogger = pino({ level: options.logLevel ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'syncline' } }, logDestination);

  const ports: Record<string, number> = { ...DEMO_PORTS, ...options.emulatorPorts };
  const closers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    logDestination.end();
  };
  try {
    const salesforce = await startSalesforceEmulator({ host, port: await preferredPort(ports.salesforce, host) });
    closers.push(() => salesforce.close());
    const pardot = await startPardotEmulator({ host, port: await preferredPort(ports.pardot, host) });
    closers.push(() => pardot.close());
    const profile = erpProfile(options.erp ?? 'sage100');
    const erp = await profile.start({ host, port: await preferredPort(ports[profile.name] ?? profile.defaultPort, host), seed: profile.name === 'sage100' ? (options.sage100Seed as Record<string, number> | undefined) : options.erpSeed });
    closers.push(() => erp.emulator.close());
    const shopOf = options.shop ? shopProfile(options.shop) : null;
    const shop = shopOf ? await shopOf.start({ host, port: await preferredPort(ports[shopOf.name] ?? shopOf.defaultPort, host) }) : null;
    if (shop) closers.push(() => shop.emulator.close());

    const config: SynclineConfig = {
      database: `sqlite:${dbFile}`,
      host,
      port: await preferredPort(options.port ?? DEMO_PORTS.console, host),
      flowsDir: options.flowsDir ?? path.join(existsSync('flows') ? 'flows' : TEMPLATE_FLOWS_DIR, profile.flowsDir),
      // Deployed here file by file (deployTemplates), not by startServer, so one bad file cannot stop the demo.
      deployFlowsOnStart: false,
      workers: 1,
      workerConcurrency: 8,
      leaseMs: 30_000,
      keyFile: path.join(dataDir, 'master.key'),
      logLevel: (options.logLevel ?? 'info') as SynclineConfig['logLevel'],
      secureCookies: false,
      retention: {},
      backpressure: {},
      durability: 'power-loss',
    alerts: {},
      connections: sandboxConnections({
        salesforce: { url: salesforce.url },
        pardot: { url: pardot.url, businessUnitId: pardot.businessUnitId },
        ...erp.endpoints,
        ...shop?.endpoints,
      }),
    };
    const runtime = await openRuntime(config, logger);
    closers.push(() => runtime.close());
    await ensureDemoUser(runtime);
    const flows = await deployTemplates(runtime, config.flowsDir ?? 'flows');
    if (shopOf) {
      const shopFlows = await deployTemplates(runtime, path.join(existsSync('flows') ? 'flows' : TEMPLATE_FLOWS_DIR, shopOf.flowsDir));
      flows.deployed.push(...shopFlows.deployed);
      flows.failed.push(...shopFlows.failed);
    }
    const server = await startServer(runtime);
    closers.pop();
    closers.push(() => server.close());

    const connections: RunningDemo['connections'] = [];
    for (const name of ['salesforce', 'pardot', profile.name, ...(shopOf ? [shopOf.name] : [])]) {
      const res = await runtime.hub.testConnection(name);
      connections.push({ name, ok: res.ok, message: res.message });
    }

    const nudger = new FlowNudger(runtime.hub, { onError: (flow, message) => print(`${clock(new Date())}  (could not start ${flow}: ${message})`) });
    if (options.nudgeFlows !== false) flows.nudged = await nudger.load();
    closers.push(() => nudger.stop());

    let traffic: TrafficGenerator | null = null;
    if (options.traffic !== false) {
      traffic = new TrafficGenerator(
        {
          salesforce: new SalesforceSandboxClient(salesforce.url),
          pardot: new PardotSandboxClient(pardot.url, pardot.businessUnitId),
          erpSystem: profile.name,
          erpLabel: profile.label,
          erp: erp.traffic,
          ...(shop && shopOf ? { shop: { system: shopOf.name, traffic: shop.traffic } } : {}),
        },
        {
          eventsPerMinute: options.eventsPerMinute,
          random: options.random,
          badRecordEvery: options.badRecordEvery,
          onEvent: (e) => {
            print(formatEvent(e));
            nudger.nudge(e.system);
          },
          onError: (kind, message) => print(`${clock(new Date())}  (${kind} did not happen: ${message})`),
        },
      );
      const t = traffic;
      closers.push(() => t.stop());
    }

    const since = new Date().toISOString();
    const statusEvery = options.statusEveryMs ?? 10_000;
    if (statusEvery > 0) {
      const timer = setInterval(() => {
        readStatus(runtime.store, since).then(
          (s) => print(formatStatus(s)),
          () => undefined,
        );
      }, statusEvery);
      closers.push(async () => clearInterval(timer));
    }

    let stopping: Promise<void> | null = null;
    const demo: RunningDemo = {
      url: server.url,
      credentials: { ...DEMO_USER },
      emulators: { salesforce, pardot, erp: erp.emulator, [profile.name]: erp.emulator, ...(shop && shopOf ? { [shopOf.name]: shop.emulator } : {}) },
      shop: shop && shopOf ? { name: shopOf.name, label: shopOf.label, guide: shop.guide } : null,
      erp: { name: profile.name, label: profile.label, guide: erp.guide, companyNameLimit: erp.traffic.companyNameLimit },
      runtime,
      traffic,
      flows,
      connections,
      logFile,
      stop: () => (stopping ??= stopAll()),
    };
    traffic?.start();
    return demo;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
