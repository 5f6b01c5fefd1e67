// The bundled task suites are sound: every task's oracle passes and the noop agent fails, in real bwrap trials.
// Run as part of the unit suite (not after it) so these minutes overlap with the other test files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

for (const suite of ['tasks/train', 'tasks/holdout']) {
  test(`ahe tasks check ${suite}: every task is sound (oracle passes, noop fails)`, async () => {
    const r = await runCli(['tasks', 'check', suite, '--quiet'], { cwd: ROOT, timeoutMs: 15 * 60_000 });
    assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    const summary = /oracle (\d+)\/(\d+) passed .* noop 0\/(\d+) passed .* 0 unsound/.exec(r.stdout);
    assert.ok(summary, r.stdout);
    assert.equal(summary[1], summary[2], 'every oracle passed');
    assert.ok(Number(summary[2]) >= 10, `the suite has its tasks: ${summary[2]}`);
  });
}
