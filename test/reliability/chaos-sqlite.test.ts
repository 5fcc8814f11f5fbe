import { chaosCiTest } from './chaos-ci.js';

chaosCiTest('sqlite');
