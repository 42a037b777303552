/**
 * Who a pid is, on this host: whether it runs, and the kernel's start time of it (from
 * /proc/<pid>/stat), which tells a process from a later one that was given the same pid. Pid
 * files (a workload's, serve's data-directory lock) record both, so a pid reused after a crash or
 * a reboot is never mistaken for the process that wrote the file.
 */
import { readFileSync } from 'node:fs';

/** The kernel's start time of a process (clock ticks since boot), where /proc has it; with the state letter. */
export function procStat(pid: number): { start: string; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, start: rest[19]! };
  } catch {
    return undefined;
  }
}

/** Whether a process exists. A zombie does not count: it has exited, and only its parent can reap it. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

/**
 * Whether the process that recorded (pid, start) still runs: alive, and, where /proc tells and a
 * start time was recorded, started at that time (else the pid was reused).
 */
export function sameProcess(pid: number, start: string | undefined): boolean {
  if (!(pid > 0) || !alive(pid)) return false;
  const now = procStat(pid)?.start;
  return !(start && now && start !== now);
}
