import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Pins this process (all threads, present and future) to CPU 1, leaving CPU 0 to the server under test.
 * False where it cannot: fewer than two CPUs, not Linux, or no `taskset`.
 */
export function pinSelfToCpu1(): boolean {
  if (availableParallelism() < 2 || process.platform !== 'linux') return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
