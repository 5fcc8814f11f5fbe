import { chaosCiTest } from './chaos-ci.js';

chaosCiTest('postgres');
