/**
 * The editor's YAML: the flow text is the one state, and every form edit is applied to it through the
 * `yaml` library's Document API, so comments, key order and layout the user wrote stay as they were.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';

/** A path in the flow document (`['targets', 0, 'mapping', 'Email']`). */
export type DocPath = Array<string | number>;

/** The flow a new, empty draft starts as. */
export function emptyFlow(connection = '', entity = ''): string {
  return `# A new flow: choose the trigger, the source and a target on the left, or write here.
name: new-flow
description: ""
trigger:
  type: poll
  every: 5m
source:
  connection: ${connection}
  entity: ${entity}
targets: []
`;
}

/** Parses a flow text; `errors` holds YAML syntax errors (the text is still shown). */
export function parseFlow(text: string): Document {
  return parseDocument(text, { keepSourceTokens: false });
}

/** The plain value at a path, or undefined. */
export function valueAt(doc: Document, path: DocPath): unknown {
  const node = doc.getIn(path, true);
  if (node === undefined) return undefined;
  return isScalar(node) ? node.value : (node as Node).toJSON();
}

/** Applies `edit` to the text's document and returns the new text (the old text when it does not parse). */
export function editFlow(text: string, edit: (doc: Document) => void): string {
  const doc = parseFlow(text);
  if (doc.errors.length) return text;
  edit(doc);
  return doc.toString();
}

/** Sets a value, creating parents; `undefined` or `''` removes the key. A value object is written in flow style (`{ from: X }`). */
export function setValue(doc: Document, path: DocPath, value: unknown, flow = false): void {
  if (value === undefined || value === '') {
    if (doc.hasIn(path)) doc.deleteIn(path);
    return;
  }
  const node = doc.createNode(value);
  if (flow && (isMap(node) || isSeq(node))) node.flow = true;
  // A scalar keeps its node (and so its comment) when it exists already.
  const old = doc.getIn(path, true);
  if (isScalar(old) && isScalar(node)) {
    old.value = node.value;
    // The quoting of the old value (`""` for an empty one) need not fit the new one.
    old.type = undefined;
    return;
  }
  // A first key added to an empty `{}` turns it into a block, as a person would write it.
  const parent = doc.getIn(path.slice(0, -1), true);
  if (isMap(parent) && parent.flow && parent.items.length === 0) parent.flow = false;
  doc.setIn(path, node);
}

/** The number of items of a sequence at a path (0 when missing). */
export function countAt(doc: Document, path: DocPath): number {
  const node = doc.getIn(path, true);
  return isSeq(node) ? node.items.length : 0;
}

/** Appends an item to the sequence at a path (creating it), in block style. */
export function append(doc: Document, path: DocPath, value: unknown): void {
  const seq = doc.getIn(path, true);
  if (isSeq(seq)) {
    seq.flow = false;
    seq.items.push(doc.createNode(value));
  } else doc.setIn(path, doc.createNode([value]));
}
