// Who owns a shared resource (a cached image root, a trial container), named so that another process
// can tell later whether the owner still runs: `PID-START`, the pid and its start time (field 22 of
// /proc/PID/stat), which together name one process for good (a pid alone is reused).
import { readFileSync } from 'node:fs';

/** The start time of a process, or undefined when no such process runs. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** This process, as an owner (`PID-START`). */
export const SELF_OWNER = `${process.pid}-${startTime(process.pid) ?? '0'}`;

/** True while the process an owner string (`PID-START`) names is alive on this machine. */
export function ownerAlive(owner: string): boolean {
  const [pid, start] = owner.split('-');
  if (!pid || !start || !/^\d+$/.test(pid)) return false;
  return startTime(Number(pid)) === start;
}
