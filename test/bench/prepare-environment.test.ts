// The Dockerfile executed inside a bwrap sandbox, as a trial's environment is prepared.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import {
  EnvironmentError,
  environmentWorkdir,
  type PrepareOptions,
  prepareEnvironment,
} from '../../src/bench/prepare-environment.ts';
import { bwrapAvailable, bwrapInstallHint, createBwrapSandbox } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask as makeSuiteTask } from '../support/make-task.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

function makeTask(dockerfile: string, files: Record<string, string> = {}): string {
  return makeSuiteTask({ dockerfile, files });
}

async function prepare(taskDir: string, opts: Omit<PrepareOptions, 'log'> = {}) {
  const { task, problem } = loadTask(taskDir);
  assert.ok(task, problem?.message);
  const sb = await createBwrapSandbox({
    trialDir: mkdtempSync(join(tmpdir(), 'ahe-trial-')),
    workdir: environmentWorkdir(task),
  });
  const lines: string[] = [];
  try {
    const env = await prepareEnvironment(sb, task, { log: (l) => lines.push(l), ...opts });
    return { env, sb, lines };
  } catch (error) {
    await sb.close();
    throw error;
  }
}

test('WORKDIR, COPY (file, dir, glob, archive), ENV, ARG and RUN build /app; other instructions are reported', {
  skip,
}, async () => {
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
    {
      'main.py': 'print("main")\n',
      'data/rows.csv': 'a,b\n1,2\n',
      'one.cfg': 'x=1\n',
      'two.cfg': 'y=2\n',
      'skip.txt': 'no\n',
    },
  );
  execFileSync('tar', ['-czf', join(dir, 'environment', 'bundle.tar.gz'), '-C', archiveDir, 'packed.txt']);
  const { env, sb, lines } = await prepare(dir);
  try {
    assert.equal(env.workdir, '/app');
    assert.deepEqual(env.env, { APP_MODE: 'test', DATA_DIR: '/app/data' });
    const r = await sb.exec(
      'cat built.txt answer.txt data/rows.csv unpacked/packed.txt; ls conf | sort | tr "\\n" " "; ls /app | sort | tr "\\n" " "',
    );
    assert.equal(
      r.stdout,
      'hello test\n42\na,b\n1,2\nfrom the tarball\none.cfg two.cfg answer.txt built.txt conf data main.py unpacked ',
    );
    assert.ok(
      env.notes.some((n) => /Dockerfile:1: FROM python:3.11-slim/.test(n)),
      env.notes.join('\n'),
    );
    assert.ok(env.notes.some((n) => /Dockerfile:11: EXPOSE has no effect/.test(n)));
    assert.ok(env.notes.some((n) => /Dockerfile:12: CMD has no effect/.test(n)));
    assert.ok(env.notes.some((n) => /apt-get install bash coreutils — already on this machine/.test(n)));
    assert.ok(lines.length >= env.notes.length);
  } finally {
    await sb.close();
  }
});

test('a package the host lacks fails the environment with what is missing and what to do', { skip }, async () => {
  const dir = makeTask(
    'FROM debian:bookworm\nWORKDIR /app\nRUN apt-get update && apt-get install -y python3 surely-not-a-package && pip install definitely-not-installed-pkg==1.0\n',
  );
  await assert.rejects(prepare(dir, { hasDebPackage: (n) => n === 'python3' }), (e: unknown) => {
    assert.ok(e instanceof EnvironmentError);
    assert.equal(e.type, 'EnvironmentNotSatisfiableError');
    assert.match(
      e.message,
      /Dockerfile:3 needs Debian packages surely-not-a-package; Python packages definitely-not-installed-pkg, missing on this machine/,
    );
    assert.match(e.message, /--backend podman/);
    return true;
  });
});

test('a failing RUN names the Dockerfile line and shows the end of its output; copying from another stage or image is refused', {
  skip,
}, async () => {
  await assert.rejects(
    prepare(makeTask('FROM x\nWORKDIR /app\nRUN echo building && echo broken >&2 && exit 7\n')),
    (e: unknown) => {
      assert.ok(e instanceof EnvironmentError);
      assert.equal(e.type, 'EnvironmentSetupError');
      assert.match(e.message, /Dockerfile:3: RUN echo building .* exited with 7:\nbuilding\nbroken/);
      return true;
    },
  );
  await assert.rejects(
    prepare(makeTask('FROM a AS build\nRUN true\nFROM b\nCOPY --from=build /out /app/\n')),
    /Dockerfile:4 copies files from the build stage build .*--backend podman/,
  );
  await assert.rejects(
    prepare(makeTask('FROM a\nCOPY --from=ghcr.io/astral-sh/uv:0.5 /surely-not-a-program /bin/\n')),
    /Dockerfile:2 copies files from the image ghcr.io\/astral-sh\/uv:0.5, and surely-not-a-program is not a program on this machine's PATH/,
  );
  // A tool's image used as a package (the uv idiom) is satisfied like an apt-get install when the host has the program.
  const { env, sb } = await prepare(makeTask('FROM a\nCOPY --from=ghcr.io/example/tools:1 /usr/bin/tar /bin/\n'));
  await sb.close();
  assert.ok(
    env.notes.some((n) => /COPY --from=ghcr.io\/example\/tools:1 tar — already on this machine's PATH/.test(n)),
    env.notes.join('\n'),
  );
  await assert.rejects(
    prepare(makeTask('FROM a\nCOPY missing.txt /app/\n')),
    /Dockerfile:2: COPY missing.txt matches no file|COPY source missing.txt not found/,
  );
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

async function prepared(
  dockerfile: string,
  files: Record<string, string> = {},
  opts: Parameters<typeof prepare>[1] = {},
) {
  const { env, sb, lines } = await prepare(makeTask(dockerfile, files), opts);
  try {
    return { env, lines, out: (await sb.exec('cat /app/out.txt 2>&1')).stdout };
  } finally {
    await sb.close();
  }
}

test('the published apt idiom prepares: operators at line starts, comments in the continuation, the rest still runs', {
  skip,
}, async () => {
  const { env, out } = await prepared(
    [
      'FROM debian:bookworm-slim',
      'WORKDIR /app',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends python3 \\',
      '    # the tests need bash too',
      '    && apt-get install -y bash \\',
      '    && rm -rf /var/lib/apt/lists/* \\',
      '    && echo built > out.txt',
    ].join('\n'),
  );
  assert.equal(out, 'built\n');
  assert.ok(
    env.notes.some((n) => /Dockerfile:3: apt-get install python3 — already on this machine/.test(n)),
    env.notes.join('\n'),
  );
});

test('heredocs (RUN script, #! script, COPY file), exec form, SHELL, ARG/ENV defaults and PATH extension', {
  skip,
}, async () => {
  const { env, out } = await prepared(
    [
      'FROM python:3.12-slim',
      'ARG FLAVOUR',
      'ARG GREETING=hello',
      'ENV MODE=${FLAVOUR:-plain} PATH="/opt/tools/bin:$PATH"',
      'WORKDIR /app',
      'RUN <<EOF',
      'apt-get update',
      'echo "$GREETING $MODE" > out.txt',
      'EOF',
      'RUN <<-"PY"',
      '\t#!/usr/bin/env python3',
      "\topen('/app/out.txt', 'a').write('from python\\n')",
      '\tPY',
      'COPY <<EOF /app/conf/app.ini',
      'mode=${MODE}',
      'EOF',
      'RUN ["sh", "-c", "cat conf/app.ini >> out.txt"]',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'RUN [[ -n "$BASH_VERSION" ]] && echo "bash $(command -v ls)" >> out.txt',
      'USER nobody',
    ].join('\n'),
  );
  assert.equal(out, 'hello plain\nfrom python\nmode=plain\nbash /usr/bin/ls\n');
  assert.equal(env.env.PATH, '/opt/tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  assert.ok(env.notes.some((n) => /Dockerfile:20: USER nobody ignored/.test(n)));
});

test('multi-stage: the final stage is built on the stages it names; other stages are skipped and said so', {
  skip,
}, async () => {
  const { env, out } = await prepared(
    [
      'ARG BASE=bookworm',
      'FROM debian:${BASE} AS base',
      'WORKDIR /app',
      'RUN echo base > out.txt',
      'FROM golang AS unused',
      'RUN exit 9',
      'FROM base',
      'RUN echo final >> out.txt',
    ].join('\n'),
  );
  assert.equal(out, 'base\nfinal\n');
  assert.ok(
    env.notes.some((n) => /Dockerfile:2: FROM debian:bookworm AS base/.test(n)),
    env.notes.join('\n'),
  );
  assert.ok(
    env.notes.some((n) => /Dockerfile:5: build stage unused is not part of the final image and is skipped/.test(n)),
  );
});

test('pip -r reads the requirements file COPY put there; downloads and other package managers are refused with the reason', {
  skip,
}, async () => {
  const missing = async (names: string[]) => names.filter((n) => n !== 'numpy' && n !== 'pyyaml');
  const { out } = await prepared(
    'FROM x\nWORKDIR /app\nCOPY req.txt /tmp/\nRUN pip install --no-cache-dir -r /tmp/req.txt && echo ok > out.txt\n',
    { 'req.txt': 'numpy==1.26\npyyaml>=6  # config\n' },
    { missingPythonPackages: missing },
  );
  assert.equal(out, 'ok\n');
  await assert.rejects(
    prepare(
      makeTask('FROM x\nCOPY req.txt /tmp/\nRUN pip install -r /tmp/req.txt\n', { 'req.txt': 'numpy\ntorch==2.3\n' }),
      { missingPythonPackages: missing },
    ),
    /Dockerfile:3 needs Python packages torch, missing on this machine/,
  );
  await assert.rejects(
    prepare(makeTask('FROM x\nRUN curl -fsSL https://example.com/install.sh | sh\n')),
    /Dockerfile:2 downloads https:\/\/example.com\/install.sh while the task has no network/,
  );
  await assert.rejects(
    prepare(makeTask('FROM alpine\nRUN apk add --no-cache bash\n')),
    /uses apk, another distribution's package manager/,
  );
  await assert.rejects(
    prepare(
      makeTask(
        "FROM ubuntu\nRUN mkdir -p /usr/local/bin && printf '#!/bin/bash\\necho 2\\n' > /usr/local/bin/nproc && chmod +x /usr/local/bin/nproc\n",
      ),
    ),
    /Dockerfile:2 writes to \/usr\/local\/bin\/nproc, part of this machine's system, which the sandbox mounts read-only/,
  );
});

test('a final WORKDIR below /app (WORKDIR /app/project) is where the sandbox starts', { skip }, async () => {
  const dir = makeTask('FROM a\nWORKDIR /app\nRUN mkdir -p project && echo x > project/f\nWORKDIR /app/project\n');
  const { env, sb } = await prepare(dir);
  try {
    assert.equal(env.workdir, '/app/project');
    assert.equal((await sb.exec('pwd; cat f')).stdout, '/app/project\nx\n');
  } finally {
    await sb.close();
  }
});
