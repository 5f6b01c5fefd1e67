// The container engines the container suite runs on, and why one is skipped here. `npm run
// test:containers` prepares each (scripts/setup-podman.mjs, scripts/setup-docker.mjs) and sets
// AHE_CONTAINER_TESTS=1; a setup that could not finish leaves its reason in the engine's skip file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContainerEngine,
  containerEngine,
  type EngineKind,
  runEngine,
} from '../../src/sandbox/container-engine.ts';

export const CONTAINER_ENGINES: readonly EngineKind[] = ['podman', 'docker'];

/** The skip file of an engine's setup script (scripts/container-setup-common.mjs, skipFile). */
export function containerSkipFile(kind: EngineKind): string {
  return join(tmpdir(), kind === 'podman' ? 'ahe-containers-skip.txt' : `ahe-containers-skip-${kind}.txt`);
}

/** Why the tests of `kind` cannot run here, or false when they can; printed once as `# <kind> … skipped`. */
export function containerSkipReason(kind: EngineKind): string | false {
  const reason = ((): string | false => {
    if (process.env.AHE_CONTAINER_TESTS !== '1')
      return 'container tests run only through `npm run test:containers` (it prepares podman, docker and the base image)';
    const file = containerSkipFile(kind);
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    const engine = containerEngine(kind);
    const r = spawnSync(engine.argv[0]!, [...engine.argv.slice(1), 'image', 'inspect', 'ahe-base:local'], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    if (r.error || r.status !== 0)
      return `${kind} cannot run here or ahe-base:local is missing (run node scripts/setup-${kind}.mjs)`;
    return false;
  })();
  if (reason) process.stdout.write(`# ${kind} container tests skipped: ${reason}\n`);
  return reason;
}

/** The ids of the engine's containers (running or not) carrying `label` (`key=value`). */
export async function containersLabelled(engine: ContainerEngine, label: string): Promise<string[]> {
  const r = await runEngine(engine, ['ps', '-a', '-q', '--filter', `label=${label}`]);
  if (r.exitCode !== 0) throw new Error(`${engine.kind} ps failed: ${r.stderr.trim()}`);
  return r.stdout.split('\n').filter(Boolean);
}
