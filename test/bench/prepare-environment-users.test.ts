// Creating a user (`useradd`, `adduser`, …) rewrites /etc/passwd: the bwrap sandbox mounts the host's /etc
// read-only and runs everything as root, so such a Dockerfile is refused before anything runs, by name,
// rather than failing half-way on "cannot lock /etc/passwd".

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import { EnvironmentError, prepareEnvironment } from '../../src/bench/prepare-environment.ts';
import type { Sandbox } from '../../src/sandbox/types.ts';
import { makeTask } from '../support/make-task.ts';

function fakeSandbox(kind: 'bwrap' | 'host', ran: string[]): Sandbox {
  const ok = { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 0, droppedBytes: 0 };
  return {
    kind,
    workdir: '/app',
    exec: async (command) => {
      ran.push(command);
      return ok;
    },
    readFile: async () => '',
    writeFile: async () => {},
    upload: async () => {},
    download: async () => {},
    close: async () => {},
  };
}

for (const line of [
  'RUN useradd -m -s /bin/bash -u 1000 agent',
  'RUN sudo adduser --disabled-password --gecos "" agent && chown -R agent /app',
  'RUN apt-get update && apt-get install -y adduser && /usr/sbin/groupadd builders',
]) {
  test(`bwrap: \`${line}\` is refused before anything runs, naming the command`, async () => {
    const { task } = loadTask(makeTask({ dockerfile: ['FROM debian:bookworm', 'WORKDIR /app', line].join('\n') }));
    assert.ok(task);
    const ran: string[] = [];
    await assert.rejects(
      prepareEnvironment(fakeSandbox('bwrap', ran), task, { hasDebPackage: () => true }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.type === 'EnvironmentNotSatisfiableError' &&
        /Dockerfile:3 .*creates or changes a user, which writes this machine's \/etc\/passwd/.test(e.message) &&
        /--backend podman/.test(e.message),
    );
    assert.ok(!ran.some((c) => /useradd|adduser|groupadd/.test(c)), 'the user command never ran');
  });
}
