/** What the flow editor reads from the admin API. */
import type { Preview } from '../../types';

export interface FieldSpec {
  name: string;
  label?: string;
  type: string;
  required?: boolean;
  maxLength?: number;
  readOnly?: boolean;
  enum?: string[];
}
export interface EntitySpec {
  name: string;
  label?: string;
  idField: string;
  fields: FieldSpec[];
  operations?: string[];
  openFields?: boolean;
}
/** A connection's entities and where they came from (GET /connections/:name/schema). */
export interface ConnectionSchema {
  connection: string;
  type: string;
  source: 'live' | 'cache' | 'declared';
  discoveredAt?: string;
  entities: EntitySpec[];
}
export interface Issue {
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}
export interface DiffLine {
  op: 'same' | 'add' | 'remove';
  text: string;
  oldLine: number | null;
  newLine: number | null;
}
/** What deploying a flow text would do (POST /flows/plan). */
export interface Plan {
  flow: string;
  action: 'create' | 'update' | 'unchanged' | 'invalid';
  liveVersion: number | null;
  issues: Issue[];
  lines: DiffLine[];
  unified: string;
}
export interface Suggestion {
  target: string;
  source: string;
  confidence: number;
  reasons: string[];
}
export interface FunctionInfo {
  name: string;
  summary: string;
  params: Array<{ name: string; help: string }>;
}
export interface Template {
  file: string;
  name: string;
  description?: string;
  source: string;
}
export interface DraftPreview {
  preview: Preview | null;
  issues: Issue[];
}
