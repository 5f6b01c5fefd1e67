// ahe eval records the coding agent's fallback model and reasoning effort in the job's config.json, and
// continuing the job with another fallback (or none) or another effort is refused naming the flag: trials
// measured under different model conditions are never mixed into one set of numbers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runEval } from '../../src/cli/eval-action.ts';
import type { EvalFlags } from '../../src/cli/eval-command.ts';
import { UserError } from '../../src/errors.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { makeTask } from '../support/make-task.ts';

const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;

test('a job continued with another --fallback-model or --reasoning-effort is refused, naming the flag', {
  skip,
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-eval-model-settings-'));
  try {
    const suite = join(dir, 'tasks');
    makeTask({ name: 'one' }, suite);
    const script = join(dir, 'done.yaml');
    writeFileSync(script, 'name: done\nturns:\n  - reply:\n      content: "Done."\n');
    const other = join(dir, 'other.yaml');
    writeFileSync(other, 'name: other\nturns:\n  - reply:\n      content: "Done too."\n');
    const out = join(dir, 'job');
    const flags: EvalFlags = {
      tasks: suite,
      agent: 'harness',
      harness: SEED,
      model: `scripted:${script}`,
      fallbackModel: `scripted:${script}`,
      reasoningEffort: 'high',
      k: 1,
      concurrency: 1,
      backend: 'bwrap',
      out,
      quiet: true,
    };
    const io = { err: process.stderr };
    await runEval(flags, io);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.equal(config.agent.fallback_model, `scripted:${script}`);
    assert.equal(config.agent.reasoning_effort, 'high');
    // The same settings continue the job.
    await runEval(flags, io);
    const refused = (flag: string, field: string) => (error: Error) => {
      assert.ok(error instanceof UserError, String(error));
      assert.match(error.message, new RegExp(`differs: ${flag} \\(agent\\.${field}: `));
      return true;
    };
    await assert.rejects(
      runEval({ ...flags, fallbackModel: undefined }, io),
      refused('--fallback-model', 'fallback_model'),
    );
    await assert.rejects(
      runEval({ ...flags, fallbackModel: `scripted:${other}` }, io),
      refused('--fallback-model', 'fallback_model'),
    );
    await assert.rejects(
      runEval({ ...flags, reasoningEffort: 'low' }, io),
      refused('--reasoning-effort', 'reasoning_effort'),
    );
    await assert.rejects(
      runEval({ ...flags, reasoningEffort: undefined }, io),
      refused('--reasoning-effort', 'reasoning_effort'),
    );
    // The recorded settings are left as they were.
    assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).agent.fallback_model, `scripted:${script}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
