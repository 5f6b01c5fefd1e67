// Whether a trial backend can run here, checked once before a command spends anything (`ahe eval`,
// `ahe evolve`, `ahe tasks check`, `ahe worker`): bwrap needs bubblewrap; podman and docker need their
// engine answering; image needs bubblewrap (the trials' sandbox) and a container engine, podman or
// docker, answering (it builds or pulls the images). A producer with --queue runs no trial itself, so
// the workers check their own backend instead. Every failure is a UserError naming --backend.
import type { BackendKind } from '../bench/trial-context.ts';
import { UserError } from '../errors.ts';
import { bwrapAvailable, bwrapInstallHint } from '../sandbox/bwrap-sandbox.ts';
import { checkEngine, containerEngine, type EngineKind } from '../sandbox/container-engine.ts';

async function engineProblem(kind: EngineKind): Promise<string | undefined> {
  try {
    await checkEngine(containerEngine(kind));
    return undefined;
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
}

/** Throws a UserError `--backend <kind>: <what to do>` unless trials of `backend` can run on this machine. */
export async function checkBackend(backend: BackendKind): Promise<void> {
  const fail = (why: string) => new UserError(`--backend ${backend}: ${why}`);
  if ((backend === 'bwrap' || backend === 'image') && !bwrapAvailable()) throw fail(bwrapInstallHint());
  if (backend === 'podman' || backend === 'docker') {
    const problem = await engineProblem(backend);
    if (problem) throw fail(problem);
  }
  if (backend === 'image') {
    const podman = await engineProblem('podman');
    if (!podman) return;
    const docker = await engineProblem('docker');
    if (!docker) return;
    throw fail(
      `it needs a container engine to build or pull the task images, and neither answers:\n  podman: ${podman}\n  docker: ${docker}`,
    );
  }
}
