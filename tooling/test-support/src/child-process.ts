import type { ChildProcess } from 'node:child_process';

/** Whether the process has neither exited by code nor been ended by a signal. */
export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Sends `signal` unless the process has already exited, then waits for its exit. A stopped (SIGSTOP) process is
 * continued first, so a SIGTERM reaches it.
 */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (signal !== 'SIGKILL') child.kill('SIGCONT');
  child.kill(signal);
  await exited;
}

/**
 * Resolves once the process's stdout has printed `text` (read whole: the line may arrive split over two
 * chunks); rejects if it exits or fails to spawn first, or after `timeoutMs`. Reading goes on afterwards, so
 * the pipe never fills.
 */
export function waitForOutput(child: ChildProcess, text: string, label: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', settle);
      if (error) reject(error);
      else resolve();
    };
    const onExit = (code: number | null) => settle(new Error(`${label} exited with ${code}: ${out}`));
    const timer = setTimeout(
      () => settle(new Error(`${label} did not start within ${timeoutMs} ms: ${out}`)),
      timeoutMs,
    );
    child.once('error', settle);
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (settled) return;
      out += chunk;
      if (out.includes(text)) settle();
    });
  });
}
