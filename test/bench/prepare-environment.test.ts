// The Dockerfile executed inside a bwrap sandbox, as a trial's environment is prepared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTask } from '../../src/bench/load-task.ts';
import { environmentWorkdir, EnvironmentError, prepareEnvironment } from '../../src/bench/prepare-environment.ts';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask as makeSuiteTask } from '../support/make-task.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

function makeTask(dockerfile: string, files: Record<string, string> = {}): string {
  return makeSuiteTask({ dockerfile, files });
}

async function prepare(taskDir: string, opts: { hasDebPackage?: (n: string) => boolean } = {}) {
  const { task, problem } = loadTask(taskDir);
  assert.ok(task, problem?.message);
  const sb = await createBwrapSandbox({ trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')), workdir: environmentWorkdir(task) });
  const lines: string[] = [];
  try {
    const env = await prepareEnvironment(sb, task, { log: (l) => lines.push(l), ...opts });
    return { env, sb, lines };
  } catch (error) {
    await sb.close();
    throw error;
  }
}

test('WORKDIR, COPY (file, dir, glob, archive), ENV, ARG and RUN build /app; other instructions are reported', { skip }, async () => {
  const archiveDir = mkdtempSync(join(tmpdir(), 'ahe-archive-'));
  writeFileSync(join(archiveDir, 'packed.txt'), 'from the tarball\n');
  const dir = makeTask(
    [
      'FROM python:3.11-slim',
      'ARG GREETING=hello',
      'ENV APP_MODE=test DATA_DIR=/app/data',
      'WORKDIR /app',
      'RUN apt-get update && apt-get install -y bash coreutils && rm -rf /var/lib/apt/lists/*',
      'COPY main.py ./',
      'COPY data/ ${DATA_DIR}/',
      'COPY *.cfg conf/',
      'ADD bundle.tar.gz /app/unpacked',
      'RUN echo "$GREETING $APP_MODE" > built.txt && python3 -c "print(6*7)" > answer.txt',
      'EXPOSE 8080',
      'CMD ["python3", "main.py"]',
    ].join('\n'),
    { 'main.py': 'print("main")\n', 'data/rows.csv': 'a,b\n1,2\n', 'one.cfg': 'x=1\n', 'two.cfg': 'y=2\n', 'skip.txt': 'no\n' },
  );
  execFileSync('tar', ['-czf', join(dir, 'environment', 'bundle.tar.gz'), '-C', archiveDir, 'packed.txt']);
  const { env, sb, lines } = await prepare(dir);
  try {
    assert.equal(env.workdir, '/app');
    assert.deepEqual(env.env, { APP_MODE: 'test', DATA_DIR: '/app/data' });
    const r = await sb.exec('cat built.txt answer.txt data/rows.csv unpacked/packed.txt; ls conf | sort | tr "\\n" " "; ls /app | sort | tr "\\n" " "');
    assert.equal(r.stdout, 'hello test\n42\na,b\n1,2\nfrom the tarball\none.cfg two.cfg answer.txt built.txt conf data main.py unpacked ');
    assert.ok(env.notes.some((n) => /Dockerfile:1: FROM python:3.11-slim/.test(n)), env.notes.join('\n'));
    assert.ok(env.notes.some((n) => /Dockerfile:11: EXPOSE has no effect/.test(n)));
    assert.ok(env.notes.some((n) => /Dockerfile:12: CMD has no effect/.test(n)));
    assert.ok(env.notes.some((n) => /apt-get install bash coreutils — already on this machine/.test(n)));
    assert.ok(lines.length >= env.notes.length);
  } finally {
    await sb.close();
  }
});

test('a package the host lacks fails the environment with what is missing and what to do', { skip }, async () => {
  const dir = makeTask('FROM debian:bookworm\nWORKDIR /app\nRUN apt-get update && apt-get install -y python3 surely-not-a-package && pip install definitely-not-installed-pkg==1.0\n');
  await assert.rejects(
    prepare(dir, { hasDebPackage: (n) => n === 'python3' }),
    (e: unknown) => {
      assert.ok(e instanceof EnvironmentError);
      assert.equal(e.type, 'EnvironmentNotSatisfiableError');
      assert.match(e.message, /Dockerfile:3 needs Debian packages surely-not-a-package; Python packages definitely-not-installed-pkg, missing on this machine/);
      assert.match(e.message, /--backend podman/);
      return true;
    },
  );
});

test('a failing RUN names the Dockerfile line and shows the end of its output; a second stage is refused', { skip }, async () => {
  await assert.rejects(prepare(makeTask('FROM x\nWORKDIR /app\nRUN echo building && echo broken >&2 && exit 7\n')), (e: unknown) => {
    assert.ok(e instanceof EnvironmentError);
    assert.equal(e.type, 'EnvironmentSetupError');
    assert.match(e.message, /Dockerfile:3: RUN echo building .* exited with 7:\nbuilding\nbroken/);
    return true;
  });
  await assert.rejects(prepare(makeTask('FROM a AS build\nRUN true\nFROM b\n')), /Dockerfile:3 starts a second build stage/);
  await assert.rejects(prepare(makeTask('FROM a\nCOPY missing.txt /app/\n')), /Dockerfile:2: COPY missing.txt matches no file|COPY source missing.txt not found/);
});

test('a WORKDIR outside /app is honoured: the sandbox starts there', { skip }, async () => {
  const dir = makeTask('FROM a\nWORKDIR /workspace/project\nCOPY f.txt .\nRUN pwd > where.txt\n', { 'f.txt': 'x\n' });
  const { env, sb } = await prepare(dir);
  try {
    assert.equal(env.workdir, '/workspace/project');
    assert.equal((await sb.exec('pwd; cat where.txt f.txt')).stdout, '/workspace/project\n/workspace/project\nx\n');
  } finally {
    await sb.close();
  }
});
