// Multi-stage Dockerfiles whose final image copies files out of a build stage (`COPY --from=builder`):
// the stage is built in a sandbox of its own, and only what is copied reaches the trial's sandbox —
// the stage's sources (often a task's hidden reference solution) never do.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import { EnvironmentError, environmentWorkdir, prepareEnvironment } from '../../src/bench/prepare-environment.ts';
import { environmentSystemWrites } from '../../src/bench/system-writes.ts';
import {
  bwrapAvailable,
  bwrapInstallHint,
  createBwrapSandbox,
  createStageSandbox,
} from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

const MULTI_STAGE = [
  'FROM gcc:14 AS builder',
  'WORKDIR /build',
  'COPY reference.sh ./',
  'RUN mkdir -p out/data && sed "s/SECRET/built/" reference.sh > out/tool && chmod +x out/tool \\',
  '    && echo sample > out/data/one.txt',
  '',
  'FROM debian:bookworm-slim',
  'WORKDIR /app',
  'COPY --from=builder /build/out/tool /usr/local/bin/ahe-stage-tool',
  'COPY --from=builder /build/out/data ./data',
  'RUN ahe-stage-tool > result.txt',
].join('\n');

test('COPY --from=<build stage>: the stage is built apart and only the copied files reach the trial', {
  skip,
}, async () => {
  const { task } = loadTask(
    makeTask({ dockerfile: MULTI_STAGE, files: { 'reference.sh': '#!/bin/sh\necho SECRET\n' } }),
  );
  assert.ok(task);
  const writableSystemDirs = await environmentSystemWrites(task);
  assert.deepEqual(writableSystemDirs, ['/usr/local/bin']);
  const sb = await createBwrapSandbox({
    trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')),
    workdir: environmentWorkdir(task),
    writableSystemDirs,
  });
  const lines: string[] = [];
  try {
    const env = await prepareEnvironment(sb, task, {
      writableSystemDirs,
      log: (l) => lines.push(l),
      openStageSandbox: (dirs) => createStageSandbox({ writableSystemDirs: dirs }),
    });
    assert.equal(env.workdir, '/app');
    const r = await sb.exec('cat result.txt data/one.txt; ls -d /build 2>&1 || echo no-build-dir');
    assert.match(r.stdout, /^built\nsample\n.*\nno-build-dir\n$/s);
    assert.ok(env.notes.some((n) => /build stage builder is not part of the final image and is built apart/.test(n)));
    assert.ok(lines.some((l) => l.startsWith('[stage builder] ')));
  } finally {
    await sb.close();
  }
});

test('without a sandbox for build stages, COPY --from=<stage> is refused by name', async () => {
  const { task } = loadTask(makeTask({ dockerfile: MULTI_STAGE, files: { 'reference.sh': 'echo x\n' } }));
  assert.ok(task);
  const nothing = { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 0, droppedBytes: 0 };
  const fake = {
    kind: 'bwrap' as const,
    workdir: '/app',
    exec: async () => nothing,
    readFile: async () => '',
    writeFile: async () => {},
    upload: async () => {},
    download: async () => {},
    close: async () => {},
  };
  await assert.rejects(
    prepareEnvironment(fake, task, {
      writableSystemDirs: ['/usr/local/bin'],
      hasDebPackage: () => true,
      missingPythonPackages: async () => [],
    }),
    (e: unknown) =>
      e instanceof EnvironmentError &&
      e.type === 'EnvironmentNotSatisfiableError' &&
      /copies files from the build stage builder/.test(e.message),
  );
});

test('a file the stage does not have fails the COPY with the line and the stage named', { skip }, async () => {
  const { task } = loadTask(
    makeTask({
      dockerfile: ['FROM debian AS builder', 'RUN true', 'FROM debian', 'COPY --from=builder /nowhere /app/x'].join(
        '\n',
      ),
    }),
  );
  assert.ok(task);
  const sb = await createBwrapSandbox({ trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')), workdir: '/app' });
  try {
    await assert.rejects(
      prepareEnvironment(sb, task, { openStageSandbox: (dirs) => createStageSandbox({ writableSystemDirs: dirs }) }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.type === 'EnvironmentSetupError' &&
        /Dockerfile:4: COPY --from=builder \/nowhere: not found in that stage/.test(e.message),
    );
  } finally {
    await sb.close();
  }
});
