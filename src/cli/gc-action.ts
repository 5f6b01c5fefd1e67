// `ahe gc` at work: removes every container labelled ahe=1 from the engine.
import { checkEngine, containerEngine, type EngineKind } from '../sandbox/container-engine.ts';
import { removeLeftoverContainers } from '../sandbox/container-sandbox.ts';

export async function removeLeftovers(backend: EngineKind): Promise<void> {
  const engine = containerEngine(backend);
  await checkEngine(engine);
  const removed = await removeLeftoverContainers(engine);
  process.stdout.write(
    `${removed.length} container${removed.length === 1 ? '' : 's'} removed${removed.length ? `: ${removed.map((id) => id.slice(0, 12)).join(' ')}` : ''}\n`,
  );
}
