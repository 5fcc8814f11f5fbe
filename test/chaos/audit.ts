/**
 * The audit at the end of a chaos run: computes what each system must hold from the events sent,
 * compares it with what the emulators actually hold, and judges every dead letter.
 */
import type { DeadLetterRow } from '../../src/store/types.js';
import type { ChaosEvent } from './events.js';
import type { EmulatorState } from './types.js';

/** One dead letter as reported, with the audit's verdict on it. */
export interface JudgedDeadLetter {
  flow: string;
  recordKey: string | null;
  kind: string;
  message: string;
  /** True when the record was invalid on purpose and refused for that reason. */
  legitimate: boolean;
}

/** The audit's result. */
export interface AuditResult {
  sent: number;
  /** Valid events whose records are all in their targets exactly once (form fill: one Contact and one prospect; converted lead: one Sage 100 customer). */
  delivered: number;
  /** Events in the dead-letter queue (legitimately or not). */
  deadLettered: number;
  /** Valid events missing from a target, and invalid ones neither dead-lettered nor written. */
  lost: number;
  /** Events with more than one record in a target. */
  duplicated: number;
  /** Events written with a wrong value (a write-back missing or pointing at the wrong customer, or an invalid record half written). */
  wrong: number;
  deadLetters: JudgedDeadLetter[];
  /** Up to 20 examples of problems, for the log. */
  examples: string[];
}

const norm = (s: string | null | undefined) => (s ?? '').trim().toLowerCase();

function countBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = key(i);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  }
  return m;
}

/**
 * Compares `state` with the events. `leadIds` maps a converted event's email to the Salesforce Lead
 * id the runner created (the dead letter of an invalid lead carries that id as its record key).
 */
export function audit(events: ChaosEvent[], state: EmulatorState, deadLetters: DeadLetterRow[], leadIds: Map<string, string>): AuditResult {
  // Form fills become Contacts; converted leads make Contacts too, but with other (buyer.*) emails.
  const contacts = countBy(state.contacts, (c) => norm(c.email));
  const prospects = countBy(state.prospects, (p) => norm(p.email));
  const customers = countBy(state.customers, (c) => norm(c.email));
  const accounts = new Map(state.accounts.map((a) => [a.id, a]));
  const convertedLeads = new Map(state.leads.filter((l) => l.isConverted).map((l) => [l.id, l]));
  const dlByKey = countBy(deadLetters, (d) => d.recordKey ?? '');
  const res: AuditResult = { sent: events.length, delivered: 0, deadLettered: 0, lost: 0, duplicated: 0, wrong: 0, deadLetters: [], examples: [] };
  const note = (s: string) => {
    if (res.examples.length < 20) res.examples.push(s);
  };
  const invalidKeys = new Set<string>();

  for (const e of events) {
    const key = e.kind === 'form' ? e.submissionId : (leadIds.get(e.email) ?? '');
    const email = norm(e.email);
    const found = e.kind === 'form' ? [contacts.get(email)?.length ?? 0, prospects.get(email)?.length ?? 0] : [customers.get(email)?.length ?? 0];
    const dead = dlByKey.get(key) ?? [];
    if (dead.length) res.deadLettered += 1;
    if (e.invalid) {
      invalidKeys.add(key);
      if (found.some((n) => n > 0)) {
        res.wrong += 1;
        note(`invalid ${e.kind} ${key} was written (${found.join('/')})`);
      } else if (!dead.length) {
        res.lost += 1;
        note(`invalid ${e.kind} ${key} is neither written nor in the dead-letter queue`);
      }
      continue;
    }
    if (found.some((n) => n > 1)) {
      res.duplicated += 1;
      note(`${e.kind} ${key} <${email}> has ${found.join('/')} records`);
    } else if (found.some((n) => n === 0)) {
      res.lost += 1;
      note(`${e.kind} ${key} <${email}> is missing (${found.join('/')} records; ${dead.length} dead letters)`);
    } else {
      res.delivered += 1;
      if (e.kind === 'converted') {
        const c = customers.get(email)![0];
        const lead = convertedLeads.get(key);
        const account = lead?.convertedAccountId ? accounts.get(lead.convertedAccountId) : undefined;
        if (account?.sage100CustomerNo !== `${c.division}-${c.customerNo}`) {
          res.wrong += 1;
          note(`converted ${key}: Account ${lead?.convertedAccountId} has customer number ${account?.sage100CustomerNo}, expected ${c.division}-${c.customerNo}`);
        }
      }
    }
  }
  for (const d of deadLetters) {
    const legitimate = invalidKeys.has(d.recordKey ?? '') && d.errorKind === 'invalid_data';
    res.deadLetters.push({ flow: d.flow, recordKey: d.recordKey, kind: d.errorKind, message: d.error.message, legitimate });
  }
  return res;
}
