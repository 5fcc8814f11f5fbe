import type { FaultInjector } from './faults.js';

/** What every sandbox emulator exposes once started. */
export interface RunningEmulator {
  /** Which system it emulates (`salesforce`, `pardot`, `sage100`, `http-sink`). */
  system: string;
  /** Origin it serves from, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** The fault injector behind its control API (`/__sandbox/faults`). */
  faults: FaultInjector;
  /** What a client needs to connect (URLs, seeded credentials, ids), as label → value, in print order. */
  connectInfo?(): Array<[label: string, value: string]>;
  close(): Promise<void>;
}

/** Common start options. */
export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Load the realistic seed data set (default true). */
  seed?: boolean;
}

/** What a fault rule does to a matching request. */
export interface Fault {
  /** Delay before answering (or before the other effect). */
  latencyMs?: number;
  /** Answer with this HTTP status and body instead of the real handler. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** A vendor error the emulator renders in its own documented shape (e.g. `REQUEST_LIMIT_EXCEEDED`, `66`, `INVALID_SESSION_ID`, `CI_NoKey`). */
  vendorError?: string;
  /** Never answer (the client must time out). */
  timeout?: boolean;
  /** Destroy the socket without an answer; for an emulator's outgoing webhook, do not send it. */
  drop?: boolean;
  /** For an emulator's outgoing webhook: send it this many extra times (a repeated delivery). */
  repeat?: number;
}

/** One rule of the fault injector. */
export interface FaultRule {
  /** Matches when the method equals (case-insensitive); omit for any. */
  method?: string;
  /** Regular expression tested against the request path (with query string). */
  path?: string;
  /** Chance 0..1 that a matching request gets the fault (default 1). */
  probability?: number;
  /** Apply to at most this many requests, then the rule retires. */
  count?: number;
  fault: Fault;
}
