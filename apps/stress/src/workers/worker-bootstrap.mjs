// Worker threads do not inherit tsx's loader hooks: register them in the thread, then load the TS entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
