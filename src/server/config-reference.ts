/**
 * The configuration reference, generated from the config schema (config-schema.ts) so the docs and
 * the code cannot drift: `syncline config reference` prints it, docs/configuration-reference.md is
 * its committed output, and a test fails when the two differ.
 */
import { configSchema, ENVIRONMENT_ONLY } from './config-schema.js';

/** One setting as the reference lists it. */
export interface ConfigField {
  /** Dotted path as the file writes it (`retention.runs`; a map's keys as `<name>`). */
  path: string;
  /** The environment variable that sets it (it wins over the file), if any. */
  env?: string;
  /** JSON type of the value (`string`, `integer`, `boolean`, `object`), for reading the variable. */
  kind: string;
  /** Type as the reference shows it (`duration`, `one of: a, b`). */
  type: string;
  /** Default as the reference shows it; empty when there is none. */
  default: string;
  /** The schema's one-line description. */
  doc: string;
}

/** A schema node as this walker reads it (TypeBox schemas are plain JSON Schema objects). */
type Node = Record<string, unknown> & {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: Node[];
  properties?: Record<string, Node>;
  patternProperties?: Record<string, Node>;
};

/** Every field of the schema, depth first in declaration order (a section before its fields). */
export function configFields(schema: object = configSchema): ConfigField[] {
  const out: ConfigField[] = [];
  const walk = (node: Node, prefix: string) => {
    for (const [name, child] of Object.entries(node.properties ?? {})) visit(child, prefix + name);
  };
  const visit = (node: Node, path: string) => {
    const map = node.patternProperties ? Object.values(node.patternProperties)[0] : undefined;
    out.push({
      path,
      env: typeof node['x-env'] === 'string' ? node['x-env'] : undefined,
      kind: kindOf(node),
      type: typeOf(node, map),
      default: defaultOf(node),
      doc: node.description ?? '',
    });
    if (node.properties) walk(node, `${path}.`);
    if (map && (map.properties || map.patternProperties)) walk(map, `${path}.<${String(node['x-key'] ?? 'key')}>.`);
  };
  walk(schema as Node, '');
  return out;
}

function kindOf(node: Node): string {
  if (node.type) return node.type;
  const types = (node.anyOf ?? []).map((n) => n.type).filter((t) => t !== 'null');
  return types[0] ?? 'object';
}

function typeOf(node: Node, map: Node | undefined): string {
  if (typeof node['x-type'] === 'string') return node['x-type'];
  if (node.enum) return `one of ${node.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (map) return `map of ${String(node['x-key'] ?? 'key')} → ${map.properties ? 'object' : typeOf(map, undefined)}`;
  if (node.properties) return 'section';
  if (node.anyOf) return node.anyOf.map((n) => typeOf(n, undefined)).join(' or ');
  if (node.type === 'string' && node.pattern === undefined) return 'text';
  return node.type ?? 'any';
}

function defaultOf(node: Node): string {
  if (typeof node['x-default'] === 'string') return node['x-default'];
  const d = node.default;
  if (d === undefined) return '';
  if (d === null) return 'none';
  if (typeof d === 'object') return Object.keys(d).length === 0 ? '' : `\`${JSON.stringify(d)}\``;
  return `\`${String(d)}\``;
}

/** A table cell: one line, pipes escaped. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

/** The reference page (Markdown), as committed in docs/configuration-reference.md. */
export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/server/config-schema.ts by `syncline config reference --out docs/configuration-reference.md`. Do not edit: change the schema and run that command (a test fails when this file and the schema differ). -->',
    '',
    'Every setting of `syncline.yaml` (or the file named by `SYNCLINE_CONFIG` / `--config`). An environment',
    'variable, where a setting has one, wins over the file. Nested settings are written as sections in the',
    'file (`retention:` then `runs: 7d` indented); `<name>` stands for a key you choose. How the settings',
    'work together, with examples: [configuration.md](configuration.md).',
    '',
    '| setting | environment variable | type | default | what it does |',
    '| --- | --- | --- | --- | --- |',
    ...configFields().map((f) => `| \`${f.path}\` | ${f.env ? `\`${f.env}\`` : ''} | ${cell(f.type)} | ${cell(f.default)} | ${cell(f.doc)} |`),
    '',
    '## Environment only',
    '',
    'Read from the environment; no setting in the file stands for them.',
    '',
    '| environment variable | what it does |',
    '| --- | --- |',
    ...ENVIRONMENT_ONLY.map((v) => `| \`${v.name}\` | ${cell(v.doc)} |`),
    '',
  ];
  return lines.join('\n');
}
