/** A line diff of two flow texts, old and new line numbers side by side. */
import type { DiffLine } from './types';

export function DiffView({ lines, label }: { lines: DiffLine[]; label: string }) {
  return (
    <div className="diff" role="region" aria-label={label} tabIndex={0}>
      {lines.map((l, i) => (
        <div key={i} className={`diff-line diff-${l.op}`}>
          <span className="ln">{l.oldLine ?? ''}</span>
          <span className="ln">{l.newLine ?? ''}</span>
          <span className="sign" aria-label={l.op === 'add' ? 'added' : l.op === 'remove' ? 'removed' : undefined}>
            {l.op === 'add' ? '+' : l.op === 'remove' ? '−' : ' '}
          </span>
          <code>{l.text}</code>
        </div>
      ))}
    </div>
  );
}

/** Problems found in a flow text, each with its line and the closest real name when a name is wrong. */
export function IssueList({ issues }: { issues: Array<{ path: string; message: string; line?: number; column?: number }> }) {
  if (!issues.length) return null;
  return (
    <ul className="issues" role="alert" aria-label="Problems in the flow">
      {issues.map((i, n) => (
        <li key={n}>
          {i.line !== undefined && <span className="muted">line {i.line}: </span>}
          {i.path && <code>{i.path}</code>} {i.message}
        </li>
      ))}
    </ul>
  );
}
