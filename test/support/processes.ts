// This machine's processes as /proc shows them, for tests that check what is left running.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Polls until `done()` holds (true) or `ms` pass (false); a loaded machine may take a while to reap a
 * killed process. `done` is not called again once it held, so it may act (remove what it checks for).
 */
export async function eventually(done: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Running (a killed orphan may linger as a zombie until init reaps it: that is not alive). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

export interface LiveProcess {
  pid: number;
  ppid: number;
  /** Its arguments, NUL-separated as in /proc/PID/cmdline. */
  cmdline: string;
}

/** Every process running now (zombies excluded). */
export function liveProcesses(): LiveProcess[] {
  const found: LiveProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      found.push({ pid: Number(entry), ppid: Number(ppid), cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8') });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
