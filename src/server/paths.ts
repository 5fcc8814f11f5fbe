/**
 * Where Syncline's own files are (the built console, the flow templates), found from this module
 * rather than the working folder, so `syncline` works from any folder. src/server/ and its compiled
 * twin dist/server/ sit at the same depth under the package root.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built web console. */
export const CONSOLE_DIR = path.join(PACKAGE_ROOT, 'web/dist');

/** The flow templates shipped with Syncline. */
export const TEMPLATE_FLOWS_DIR = path.join(PACKAGE_ROOT, 'flows');
