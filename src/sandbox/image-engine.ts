// Which container engine the image backend uses to build, pull and export images: the one forced by
// AHE_IMAGE_ENGINE (podman or docker), else docker when its daemon answers, else podman. The trials
// themselves run under bwrap; the engine only produces the image and its root filesystem.
import { UserError } from '../errors.ts';
import { type ContainerEngine, checkEngine, containerEngine, type EngineKind } from './container-engine.ts';

let chosen: Promise<ContainerEngine> | undefined;

/** The engine for `--backend image` (checked once per process; the error says why neither works). */
export function imageEngine(env: NodeJS.ProcessEnv = process.env): Promise<ContainerEngine> {
  const forced = env.AHE_IMAGE_ENGINE;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'podman' && forced !== 'docker')
      return Promise.reject(new UserError(`AHE_IMAGE_ENGINE must be podman or docker, not ${JSON.stringify(forced)}`));
    const engine = containerEngine(forced as EngineKind, env);
    return checkEngine(engine).then(() => engine);
  }
  chosen ??= (async () => {
    const docker = containerEngine('docker', env);
    try {
      await checkEngine(docker);
      return docker;
    } catch {
      const podman = containerEngine('podman', env);
      await checkEngine(podman);
      return podman;
    }
  })();
  chosen.catch(() => {
    chosen = undefined;
  });
  return chosen;
}
