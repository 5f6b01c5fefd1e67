// A running `ahe serve` announces itself in the registry directory (find-server.ts) so that `ahe eval`
// and `ahe evolve` can print the URL to follow them; the record is removed when the server stops, and a
// record left by a killed server is ignored by its readers (its pid is gone).
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServerRecord, serverRegistryDir, trustedRegistryDir } from './find-server.ts';

/**
 * Writes this process's record; returns the function that removes it (also run at process exit), or
 * undefined when the registry directory cannot be used (then nothing finds the server, which still runs).
 */
export function registerServer(
  record: Omit<ServerRecord, 'pid'>,
  registryDir: string = serverRegistryDir(),
): (() => void) | undefined {
  try {
    mkdirSync(registryDir, { recursive: true, mode: 0o700 });
    if (!trustedRegistryDir(registryDir)) return undefined;
    chmodSync(registryDir, 0o700);
    // One file per server: a process may run several (tests do).
    const port = new URL(record.url).port;
    const file = join(registryDir, `${process.pid}-${port}.json`);
    const tmp = `${file}.${Date.now()}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ ...record, pid: process.pid })}\n`, { mode: 0o600 });
    renameSync(tmp, file);
    const remove = () => {
      process.off('exit', remove);
      rmSync(file, { force: true });
    };
    process.on('exit', remove);
    return remove;
  } catch {
    return undefined;
  }
}
