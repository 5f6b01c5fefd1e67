// `find DIR… -exec touch {} +` (and chmod, rm, `sed -i`, `-delete`) changes files below its start points:
// a published idiom normalises the times of fixtures a program of the same RUN wrote into /opt
// (`python3 gen.py && find /app /opt/fixtures -type f -exec touch -t 202001010000.00 {} +`). Those start
// points count as written, so the bwrap backend gives the trial a writable /opt layer; the host's /opt is
// never written.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTask } from '../../src/bench/load-task.ts';
import { findWrittenPaths } from '../../src/bench/package-installs.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import { environmentSystemWrites } from '../../src/bench/system-writes.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';

test('the start points of find -exec <writer> and find -delete are written; a read-only find writes nothing', async () => {
  const written = (script: string) => findWrittenPaths(script);
  assert.deepEqual(await written('find /app /opt/fixtures -type f -exec touch -t 202001010000.00 {} +'), [
    '/app',
    '/opt/fixtures',
  ]);
  assert.deepEqual(await written('find -L /opt/x -name "*.sh" -exec chmod +x {} \\;'), ['/opt/x']);
  assert.deepEqual(await written('find /usr/local/share/x -name "*.pyc" -delete'), ['/usr/local/share/x']);
  assert.deepEqual(await written('find /opt -name "*.txt" -exec cat {} +'), []);
  assert.deepEqual(await written('find /opt/x -type f | sort'), []);
});

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

test('a program that writes fixtures into /opt, then find … -exec touch: prepared in a per-trial /opt layer', {
  skip,
  timeout: 300_000,
}, async () => {
  const fixtures = `/opt/ahe-fixtures-${process.pid}`;
  assert.equal(existsSync(fixtures), false);
  const dir = makeTask({
    name: 'fixtures',
    dockerfile: [
      'FROM python:3.11-slim',
      'WORKDIR /app',
      'COPY gen.py /tmp/gen.py',
      'RUN python3 /tmp/gen.py \\',
      '    && rm /tmp/gen.py \\',
      `    && find /app ${fixtures} -type f -exec touch -t 202001010000.00 {} +`,
      '',
    ].join('\n'),
    files: {
      'gen.py': `from pathlib import Path\np = Path('${fixtures}/cases')\np.mkdir(parents=True)\n(p / 'one.txt').write_text('1')\n`,
    },
    solve: `test "$(stat -c %Y ${fixtures}/cases/one.txt)" = "$(date -d 2020-01-01T00:00:00 +%s)" && touch /app/done\n`,
  });
  const { task, problem } = loadTask(dir);
  assert.ok(task, problem?.message);
  assert.ok((await environmentSystemWrites(task)).includes('/opt'));
  const jobDir = mkdtempSync(join(tmpdir(), 'ahe-find-'));
  const result = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(result.exception_info, null, JSON.stringify(result.exception_info));
  assert.equal(result.verifier_result?.rewards.reward, 1);
  assert.equal(existsSync(fixtures), false, 'the host /opt was written');
});
