// Dockerfiles that install into /usr/local or /opt (a wrapper such as the `nproc` of Terminal-Bench 2's
// build tasks, a tool copied to /usr/local/bin, a reference build in /opt): the bwrap sandbox makes
// those directories writable for the trial only, and the host's system is never written.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import { isPythonCommandLink } from '../../src/bench/package-installs.ts';
import { EnvironmentError, environmentWorkdir, prepareEnvironment } from '../../src/bench/prepare-environment.ts';
import {
  environmentSystemWrites,
  hostLacksPythonCommand,
  isPythonImage,
  systemDirWrittenBy,
} from '../../src/bench/system-writes.ts';
import type { Task } from '../../src/bench/task.ts';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import type { Sandbox } from '../../src/sandbox/types.ts';
import { makeTask } from '../support/make-task.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

/** Prepares the task in a fresh bwrap sandbox with the writable system layers given, runs `check` there, closes it. */
async function withPrepared(
  task: Task,
  writableSystemDirs: string[],
  check: (sb: Sandbox, env: Awaited<ReturnType<typeof prepareEnvironment>>) => Promise<void>,
): Promise<void> {
  const sb = await createBwrapSandbox({
    trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')),
    workdir: environmentWorkdir(task),
    writableSystemDirs,
  });
  try {
    await check(sb, await prepareEnvironment(sb, task, { writableSystemDirs }));
  } finally {
    await sb.close();
  }
}

/** A host with /usr/local/bin and /opt, and nothing else below them. */
const fakeHost = (p: string) => ['/usr/local', '/usr/local/bin', '/opt'].includes(p);

const NPROC = [
  'FROM ubuntu:24.04',
  'WORKDIR /app',
  "RUN printf '#!/bin/bash\\necho 4\\n' > /usr/local/bin/nproc && \\",
  '    chmod +x /usr/local/bin/nproc',
].join('\n');

test('a write below /usr/local or /opt names the host directory whose contents change', () => {
  assert.equal(systemDirWrittenBy('/usr/local/bin/nproc', fakeHost), '/usr/local/bin');
  assert.equal(systemDirWrittenBy('/usr/local/bin/', fakeHost), '/usr/local/bin');
  assert.equal(systemDirWrittenBy('/opt/ref/build/tool', fakeHost), '/opt');
  assert.equal(systemDirWrittenBy('/usr/bin/python', fakeHost), undefined);
  assert.equal(
    systemDirWrittenBy('/etc/slurm/slurm.conf', (p) => p === '/etc'),
    '/etc',
  );
  assert.equal(systemDirWrittenBy('/lib/x86_64-linux-gnu/libfoo.so', fakeHost), undefined);
  assert.equal(systemDirWrittenBy('/app/x', fakeHost), undefined);
});

test('the directories a Dockerfile writes: RUN redirections and cp/ln/mkdir targets, COPY destinations, WORKDIR', async () => {
  const dir = makeTask({
    dockerfile: [
      'FROM debian:bookworm',
      'ARG TOOLS=/usr/local/bin',
      NPROC.split('\n').slice(2).join('\n'),
      'COPY helper.sh ${TOOLS}/',
      'RUN mkdir -p /opt/ref && cp /bin/true /opt/ref/true',
      'WORKDIR /app',
      'RUN echo hi > notes.txt && ln -sf /usr/bin/gcc /usr/bin/cc',
    ].join('\n'),
    files: { 'helper.sh': 'echo helper\n' },
  });
  const { task } = loadTask(dir);
  assert.ok(task);
  // /usr/bin is the distribution's: not made writable (the preparer refuses that write by name).
  assert.deepEqual(await environmentSystemWrites(task, fakeHost), ['/opt', '/usr/local/bin']);
});

test('without a writable layer the write is refused by name; with one it is prepared', { skip }, async () => {
  const { task } = loadTask(makeTask({ dockerfile: NPROC }));
  assert.ok(task);
  const plain = await createBwrapSandbox({
    trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')),
    workdir: environmentWorkdir(task),
  });
  try {
    await assert.rejects(
      prepareEnvironment(plain, task),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.type === 'EnvironmentNotSatisfiableError' &&
        /writes to \/usr\/local\/bin\/nproc, part of this machine's system/.test(e.message),
    );
  } finally {
    await plain.close();
  }

  const writableSystemDirs = await environmentSystemWrites(task);
  assert.deepEqual(writableSystemDirs, ['/usr/local/bin']);
  const hostHadNproc = existsSync('/usr/local/bin/nproc');
  await withPrepared(task, writableSystemDirs, async (sb) => {
    const r = await sb.exec('nproc; command -v nproc');
    assert.equal(r.stdout, '4\n/usr/local/bin/nproc\n');
    // The host's own programs there still run from the same place.
    const hostProgram = readdirSync('/usr/local/bin').find((n) => n !== 'nproc');
    if (hostProgram) {
      const listed = await sb.exec(`test -e /usr/local/bin/${hostProgram} && echo present`);
      assert.equal(listed.stdout, 'present\n');
    }
  });
  assert.equal(existsSync('/usr/local/bin/nproc'), hostHadNproc, 'the host /usr/local/bin is unchanged');
});

test('a tool built into a new directory of /opt, and a WORKDIR there', { skip }, async () => {
  const { task } = loadTask(
    makeTask({
      dockerfile: [
        'FROM debian:bookworm',
        'WORKDIR /opt/ahe-test-ref',
        'COPY tool.sh ./',
        'RUN chmod +x tool.sh && ./tool.sh > out.txt',
      ].join('\n'),
      files: { 'tool.sh': '#!/bin/sh\necho built\n' },
    }),
  );
  assert.ok(task);
  const writableSystemDirs = await environmentSystemWrites(task);
  await withPrepared(task, writableSystemDirs, async (sb, env) => {
    assert.equal(env.workdir, '/opt/ahe-test-ref');
    assert.equal((await sb.exec('cat out.txt; pwd')).stdout, 'built\n/opt/ahe-test-ref\n');
  });
  assert.equal(existsSync('/opt/ahe-test-ref'), false, 'nothing was written to the host /opt');
});

test('a python image runs `python`: on a host with only python3 it is linked for the trial', {
  skip: skip || (hostLacksPythonCommand() ? false : 'this machine has a python command already'),
}, async () => {
  assert.equal(isPythonImage('python:3.12-slim'), true);
  assert.equal(isPythonImage('public.ecr.aws/docker/library/python:3.11-slim'), true);
  assert.equal(isPythonImage('ghcr.io/laude-institute/t-bench/python-3-13:20250620'), true);
  assert.equal(isPythonImage('ubuntu:24.04'), false);
  const { task } = loadTask(
    makeTask({
      dockerfile: ['FROM python:3.12-slim', 'WORKDIR /app', 'RUN python -c "print(6*7)" > answer.txt'].join('\n'),
    }),
  );
  assert.ok(task);
  const writableSystemDirs = await environmentSystemWrites(task);
  assert.deepEqual(writableSystemDirs, ['/usr/local/bin']);
  await withPrepared(task, writableSystemDirs, async (sb, env) => {
    assert.equal((await sb.exec('cat answer.txt')).stdout, '42\n');
    assert.ok(
      env.notes.some((n) => /`python` is this machine's python3 \(linked in \/usr\/local\/bin for the trial\)/.test(n)),
    );
  });
  assert.equal(hostLacksPythonCommand(), true, 'the host still has no python command');
});

test('`ln -s /usr/bin/python3 /usr/bin/python` is read as "give me a python command"', {
  skip: skip || (hostLacksPythonCommand() ? false : 'this machine has a python command already'),
}, async () => {
  assert.equal(isPythonCommandLink(['ln', '-s', '/usr/bin/python3', '/usr/bin/python']), true);
  assert.equal(isPythonCommandLink(['ln', '-sf', 'python3', '/usr/local/bin/python']), true);
  assert.equal(isPythonCommandLink(['ln', '-s', '/usr/bin/pip3', '/usr/bin/pip']), true);
  assert.equal(isPythonCommandLink(['ln', '/usr/bin/python3', '/usr/bin/python']), false, 'a hard link');
  assert.equal(isPythonCommandLink(['ln', '-s', '/usr/bin/node', '/usr/bin/python']), false);
  const { task } = loadTask(
    makeTask({
      dockerfile: [
        'FROM ghcr.io/laude-institute/t-bench/ubuntu-24-04:20250624',
        'RUN apt-get update && \\',
        '    apt-get install -y python3 && \\',
        '    ln -s /usr/bin/python3 /usr/bin/python && \\',
        '    rm -rf /var/lib/apt/lists/*',
        'WORKDIR /app',
        'RUN python -c "print(6*7)" > answer.txt',
      ].join('\n'),
    }),
  );
  assert.ok(task);
  const writableSystemDirs = await environmentSystemWrites(task);
  assert.deepEqual(writableSystemDirs, ['/usr/local/bin']);
  await withPrepared(task, writableSystemDirs, async (sb) => {
    assert.equal((await sb.exec('cat answer.txt; command -v python')).stdout, '42\n/usr/local/bin/python\n');
  });
});

test('a service configured in /etc (a new directory there) gets a layer of /etc for the trial', { skip }, async () => {
  const { task } = loadTask(
    makeTask({
      dockerfile: [
        'FROM debian:bookworm',
        'RUN mkdir -p /etc/ahe-test-svc && echo "port=6379" > /etc/ahe-test-svc/svc.conf',
        'RUN echo "127.0.0.1 ahe-test-host" >> /etc/hosts',
        'WORKDIR /app',
      ].join('\n'),
    }),
  );
  assert.ok(task);
  const writableSystemDirs = await environmentSystemWrites(task);
  assert.deepEqual(writableSystemDirs, ['/etc']);
  await withPrepared(task, writableSystemDirs, async (sb) => {
    const r = await sb.exec(
      'cat /etc/ahe-test-svc/svc.conf; id -un; test -s /etc/os-release && echo os-release; grep -c ahe-test-host /etc/hosts',
    );
    assert.equal(r.stdout, 'port=6379\nroot\nos-release\n1\n');
  });
  assert.equal(existsSync('/etc/ahe-test-svc'), false, 'nothing was written to the host /etc');
  assert.doesNotMatch(readFileSync('/etc/hosts', 'utf8'), /ahe-test-host/, "the host's /etc/hosts is unchanged");
});
