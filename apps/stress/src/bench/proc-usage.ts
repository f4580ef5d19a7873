import { readFileSync } from 'node:fs';

/** Linux USER_HZ; 100 on every mainstream kernel build. */
const TICKS_PER_SEC = 100;

/** CPU seconds (user + system) a process used so far, from `/proc/<pid>/stat`; null if unreadable. */
export function procCpuSeconds(pid: number): number | null {
  return procCpuSecondsOf(`/proc/${pid}/stat`);
}

function procCpuSecondsOf(statFile: string): number | null {
  try {
    const stat = readFileSync(statFile, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SEC : null;
  } catch {
    return null;
  }
}

/** CPU seconds of a process's main thread only (its JavaScript; GC helpers and compilers run on others). */
export function procMainThreadCpuSeconds(pid: number): number | null {
  return procCpuSecondsOf(`/proc/${pid}/task/${pid}/stat`);
}

/** Resident set size in bytes, from `/proc/<pid>/status`; null if unreadable. */
export function procRssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU% of a process between two readings (100 = one core). */
export class CpuMeter {
  private cpu0: number | null;
  private t0 = performance.now();
  constructor(private readonly read: () => number | null) {
    this.cpu0 = read();
  }

  percent(): number | null {
    const cpu = this.read();
    const secs = (performance.now() - this.t0) / 1000;
    if (cpu === null || this.cpu0 === null || secs <= 0) return null;
    return Math.round(((cpu - this.cpu0) / secs) * 1000) / 10;
  }
}

/** This process's CPU seconds over all its threads (the load generator). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
