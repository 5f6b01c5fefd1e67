// The bundled task suites are sound: every task's oracle passes and the noop agent fails, in real bwrap trials.
// Run as part of the unit suite (not after it) so these minutes overlap with the other test files; the two
// suites run at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/run-cli.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('ahe tasks check on the bundled suites: every task is sound (oracle passes, noop fails)', {
  concurrency: 2,
}, async (t) => {
  const suites = ['tasks/train', 'tasks/holdout'].map((suite) =>
    t.test(suite, async () => {
      const r = await runCli(['tasks', 'check', suite, '--quiet'], { cwd: ROOT, timeoutMs: 15 * 60_000 });
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
      const summary = /oracle (\d+)\/(\d+) passed .* noop 0\/(\d+) passed .* 0 unsound/.exec(r.stdout);
      assert.ok(summary, r.stdout);
      assert.equal(summary[1], summary[2], 'every oracle passed');
      assert.ok(Number(summary[2]) >= 10, `the suite has its tasks: ${summary[2]}`);
    }),
  );
  await Promise.all(suites);
});
