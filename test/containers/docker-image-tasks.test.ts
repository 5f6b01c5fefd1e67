// Tasks that name a prebuilt `docker_image` (as every Terminal-Bench 2 task does), on podman and docker:
// an image this machine has is used as it is (nothing built, nothing pulled); an image that cannot be
// pulled (offline here) falls back to the task's environment/Dockerfile with a note in the trial's
// result; with no Dockerfile, the error names the image and how to bring it to this machine.
// Gated like the other container tests (AHE_CONTAINER_TESTS=1, `npm run test:containers`); each engine
// runs where it works and has the offline base image `ahe-base:local`.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureTaskImage, pullReference } from '../../src/bench/container-image.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import {
  type ContainerEngine,
  ContainerEngineError,
  containerEngine,
  runEngine,
} from '../../src/sandbox/container-engine.ts';
import { CONTAINER_ENGINES, containerSkipReason } from '../support/container-engines.ts';
import { makeTask } from '../support/make-task.ts';

/** A Harbor task (Terminal-Bench 2's task.toml layout) naming `image`; without `dockerfile`, it has none. */
function imageTask(image: string, dockerfile?: string): Task {
  const dir = makeTask({ name: 'tb2-like', dockerfile: dockerfile ?? 'FROM ahe-base:local\n' });
  writeFileSync(
    join(dir, 'task.toml'),
    [
      'schema_version = "1.1"',
      'artifacts = []',
      '[task]',
      'name = "terminal-bench/tb2-like"',
      '[metadata]',
      'difficulty = "easy"',
      '[verifier]',
      'timeout_sec = 300.0',
      '[agent]',
      'timeout_sec = 300.0',
      '[environment]',
      'build_timeout_sec = 300.0',
      `docker_image = "${image}"`,
      'cpus = 1',
      'memory_mb = 2048',
      'storage_mb = 10240',
      'gpus = 0',
      'allow_internet = false',
      'mcp_servers = []',
      '[verifier.env]',
      '[environment.env]',
      '[solution.env]',
      '',
    ].join('\n'),
  );
  if (dockerfile === undefined) rmSync(join(dir, 'environment'), { recursive: true });
  const { task, problem } = loadTask(dir);
  assert.ok(task, problem?.message);
  assert.equal(task.environment.dockerImage, image);
  return task;
}

const unique = () => randomBytes(4).toString('hex');

async function removeImage(engine: ContainerEngine, image: string): Promise<void> {
  await runEngine(engine, ['rmi', '-f', image], { timeoutSec: 120 });
}

for (const kind of CONTAINER_ENGINES) {
  const skip = containerSkipReason(kind);
  const engine = containerEngine(kind);

  test(`${kind}: a docker_image this machine has is used as it is, without building or pulling`, {
    skip,
    timeout: 600_000,
  }, async () => {
    const image = `ahe-test/present-${unique()}:1`;
    const tag = await runEngine(engine, ['tag', 'ahe-base:local', image]);
    assert.equal(tag.exitCode, 0, tag.stderr);
    try {
      // The Dockerfile would fail to build: using it would show.
      const task = imageTask(image, 'FROM ahe-base:local\nRUN exit 3\n');
      const lines: string[] = [];
      const got = await ensureTaskImage(engine, task, { timeoutSec: 300, log: (l) => lines.push(l) });
      assert.equal(got.image, image);
      assert.equal(got.fresh, false);
      assert.deepEqual(got.notes, []);
      assert.ok(!lines.some((l) => /building|pulling/.test(l)), lines.join('\n'));
      // A whole trial runs in it: the oracle passes (the base image has no /app).
      writeFileSync(task.solutionScript!, 'mkdir -p /app && touch /app/done\n');
      const jobDir = mkdtempSync(join(tmpdir(), 'ahe-dimg-'));
      const result = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: kind });
      assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
      assert.equal(result.verifier_result?.rewards.reward, 1);
      const log = readFileSync(join(jobDir, 'tb2-like__1', 'trial.log'), 'utf8');
      assert.match(log, new RegExp(`container of ${image.replace(/[/.]/g, '\\$&')}`));
      assert.doesNotMatch(log, /building|pulling/);
    } finally {
      await removeImage(engine, image);
    }
  });

  test(`${kind}: a docker_image that cannot be pulled falls back to the Dockerfile, with a note`, {
    skip,
    timeout: 600_000,
  }, async () => {
    // Offline here, no such repository elsewhere: the pull fails either way.
    const image = `ahe-test/absent-${unique()}:1`;
    const marker = unique();
    const task = imageTask(image, `FROM ahe-base:local\nRUN echo ${marker} > /fallback.txt\nWORKDIR /app\n`);
    const lines: string[] = [];
    const got = await ensureTaskImage(engine, task, { timeoutSec: 300, log: (l) => lines.push(l) });
    try {
      assert.match(got.image, /^ahe-env:/);
      assert.equal(got.workdir, '/app');
      assert.equal(got.notes.length, 1);
      assert.match(got.notes[0]!, new RegExp(`${image.replace(/[/.]/g, '\\$&')} .*could not be pulled`));
      assert.match(got.notes[0]!, /built from environment\/Dockerfile instead/);
      assert.ok(
        lines.some((l) => l.includes(`pulling ${pullReference(kind, image)}`)),
        lines.join('\n'),
      );
      // The note reaches the trial's result; the image is the Dockerfile's (the marker is in it).
      const jobDir = mkdtempSync(join(tmpdir(), 'ahe-dimg-'));
      writeFileSync(task.solutionScript!, `grep -q ${marker} /fallback.txt && touch /app/done\n`);
      const result = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: kind });
      assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
      assert.equal(result.verifier_result?.rewards.reward, 1);
      const notes = result.ahe?.environment_notes ?? [];
      assert.ok(
        notes.some((n) => /could not be pulled/.test(n)),
        JSON.stringify(notes),
      );
    } finally {
      await removeImage(engine, got.image);
    }
  });

  test(`${kind}: a docker_image that cannot be pulled, and no Dockerfile: the error says how to provide it`, {
    skip,
    timeout: 300_000,
  }, async () => {
    const image = `ahe-test/absent-${unique()}:1`;
    const task = imageTask(image);
    assert.equal(task.environment.dockerfile, undefined);
    await assert.rejects(ensureTaskImage(engine, task, { timeoutSec: 120 }), (error: unknown) => {
      assert.ok(error instanceof ContainerEngineError);
      assert.equal(error.type, 'ImagePullError');
      assert.match(
        error.message,
        new RegExp(`${image.replace(/[/.]/g, '\\$&')} \\(task\\.toml \\[environment\\] docker_image\\)`),
      );
      assert.match(error.message, new RegExp(`docker pull ${image.replace(/[/.]/g, '\\$&')} && docker save`));
      assert.match(error.message, new RegExp(`${kind} load -i image\\.tar`));
      assert.match(error.message, /remove docker_image/);
      return true;
    });
    // The same through a trial: its exception, no stack.
    const jobDir = mkdtempSync(join(tmpdir(), 'ahe-dimg-'));
    const result = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: kind });
    assert.equal(result.exception_info?.exception_type, 'ImagePullError');
    assert.match(result.exception_info?.exception_message ?? '', /could not be pulled/);
  });
}

test('podman pulls short names by their Docker Hub name; docker as given', () => {
  assert.equal(pullReference('podman', 'alexgshaw/fix-git:20251031'), 'docker.io/alexgshaw/fix-git:20251031');
  assert.equal(pullReference('podman', 'ubuntu:24.04'), 'docker.io/library/ubuntu:24.04');
  assert.equal(pullReference('podman', 'ghcr.io/astral-sh/uv:latest'), 'ghcr.io/astral-sh/uv:latest');
  assert.equal(pullReference('podman', 'localhost:5000/x/y:1'), 'localhost:5000/x/y:1');
  assert.equal(pullReference('podman', 'localhost/x:1'), 'localhost/x:1');
  assert.equal(pullReference('docker', 'alexgshaw/fix-git:20251031'), 'alexgshaw/fix-git:20251031');
});
