// Whether a Dockerfile wants a `python` command is decided by one function (wantsPythonCommand) for the
// preparer, which gives the command before building a stage, and for environmentSystemWrites, which makes
// /usr/local/bin writable for it: they used to decide apart and disagree on build arguments.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildStages } from '../../src/bench/build-stages.ts';
import { parseDockerfile } from '../../src/bench/dockerfile.ts';
import { loadTask } from '../../src/bench/load-task.ts';
import { environmentWorkdir, prepareEnvironment } from '../../src/bench/prepare-environment.ts';
import {
  environmentSystemWrites,
  globalArgValues,
  hostLacksPythonCommand,
  wantsPythonCommand,
} from '../../src/bench/system-writes.ts';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';

const plan = (lines: string[]) => buildStages(parseDockerfile(lines.join('\n')));

test('wantsPythonCommand: a python image named through a build argument; a link whose target is a stage ARG', async () => {
  const viaArg = plan(['ARG BASE=python:3.12-slim', 'FROM ${BASE}', 'RUN true']);
  assert.equal(await wantsPythonCommand(viaArg.chain, { from: globalArgValues(viaArg) }), true);
  assert.equal(await wantsPythonCommand(viaArg.chain, { from: {} }), false, 'unexpanded, ${BASE} is no image');
  const linked = plan(['FROM debian:bookworm', 'ARG BIN=/usr/bin/python', 'RUN ln -s /usr/bin/python3 "$BIN"']);
  // Per stage, as the preparer asks before building it: the stage's own ARG counts.
  assert.equal(await wantsPythonCommand([linked.chain[0]!], { run: { PATH: '/usr/bin' } }), true);
  const plain = plan(['FROM debian:bookworm', 'RUN ln -s /usr/bin/node /usr/bin/python', 'RUN python3 -V']);
  assert.equal(await wantsPythonCommand(plain.chain), false);
  // A python image earlier in the chain (a stage built FROM another) counts for the chain.
  const chained = plan(['FROM python:3.11 AS base', 'FROM base', 'RUN true']);
  assert.equal(await wantsPythonCommand(chained.chain), true);
});

const skip = !bwrapAvailable()
  ? `bwrap not available: ${bwrapInstallHint()}`
  : hostLacksPythonCommand()
    ? false
    : 'this machine has a python command already';

test('FROM a python image named by a build argument: /usr/local/bin is writable and the trial has `python`', {
  skip,
}, async () => {
  const { task } = loadTask(
    makeTask({
      dockerfile: [
        'ARG PY_IMAGE=python:3.12-slim',
        'FROM ${PY_IMAGE}',
        'WORKDIR /app',
        'RUN python -c "print(6*7)" > answer.txt',
      ].join('\n'),
    }),
  );
  assert.ok(task);
  const writableSystemDirs = await environmentSystemWrites(task);
  assert.deepEqual(writableSystemDirs, ['/usr/local/bin']);
  const sb = await createBwrapSandbox({
    trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')),
    workdir: environmentWorkdir(task),
    writableSystemDirs,
  });
  try {
    await prepareEnvironment(sb, task, { writableSystemDirs });
    assert.equal((await sb.exec('cat answer.txt')).stdout, '42\n');
  } finally {
    await sb.close();
  }
});
