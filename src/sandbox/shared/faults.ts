/**
 * Fault injection shared by the emulators (never by connectors): rules set through each emulator's
 * control API `/__sandbox/faults` decide whether a request is delayed, refused, dropped or left hanging.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, FaultRule } from './types.js';

interface ActiveRule extends FaultRule {
  remaining: number;
  regex?: RegExp;
}

/** Holds the fault rules of one emulator and picks the fault for each request. */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  /** Requests that received a fault, for tests and chaos reports. */
  injected = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Replaces all rules. */
  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r, remaining: r.count ?? Infinity, regex: r.path ? new RegExp(r.path) : undefined }));
  }

  /** Adds one rule after the existing ones. */
  add(rule: FaultRule): void {
    this.rules.push({ ...rule, remaining: rule.count ?? Infinity, regex: rule.path ? new RegExp(rule.path) : undefined });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ remaining: _r, regex: _x, ...rule }) => rule);
  }

  /** The fault for this request, or null. The first matching rule that fires wins. */
  pick(method: string, path: string): Fault | null {
    for (const rule of this.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.regex && !rule.regex.test(path)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.remaining -= 1;
      this.injected += 1;
      return rule.fault;
    }
    return null;
  }
}

/**
 * Applies the transport-level part of a fault (latency, timeout, drop, raw status).
 * Returns true when the response was fully handled here; false when the caller should go on
 * (after latency) and render `fault.vendorError` itself if set.
 */
export async function applyTransportFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (fault.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
  if (fault.drop) {
    req.socket.destroy();
    return true;
  }
  if (fault.timeout) {
    // Hold the socket open without answering; the client's timeout must fire. Closed with the server.
    return true;
  }
  if (fault.status !== undefined && !fault.vendorError) {
    const body = fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
    res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
    res.end(body);
    return true;
  }
  return false;
}

/**
 * Handles the control API on any emulator: GET/POST/DELETE `/__sandbox/faults`.
 * Returns true when the request was a control request.
 */
export async function handleFaultControl(faults: FaultInjector, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/__sandbox/faults') return false;
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rules: faults.list(), injected: faults.injected }));
    return true;
  }
  if (req.method === 'DELETE') {
    faults.clear();
    res.writeHead(204).end();
    return true;
  }
  if (req.method === 'POST' || req.method === 'PUT') {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rules?: FaultRule[] } | FaultRule;
      if ('rules' in body && Array.isArray(body.rules)) {
        if (req.method === 'PUT') faults.set(body.rules);
        else body.rules.forEach((r) => faults.add(r));
      } else faults.add(body as FaultRule);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ rules: faults.list() }));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `invalid fault rules: ${(err as Error).message}` }));
    }
    return true;
  }
  res.writeHead(405).end();
  return true;
}
