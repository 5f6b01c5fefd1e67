// Money: a USD budget is never silently unenforceable, an unknown cost reads `$?` everywhere and is
// never added as $0 into a total shown as known, and a cost the provider reports is used.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildJobResult } from '../../src/bench/job-summary.ts';
import { formatJobSummary } from '../../src/cli/eval-action.ts';
import { createRunState, saveRunState } from '../../src/evolve/run-state.ts';
import { writeRunSummary } from '../../src/evolve/run-summary.ts';
import { createOpenAIModel } from '../../src/model/openai-model.ts';
import { formatUsd, formatUsdSum } from '../../src/model/prices.ts';
import { openaiCompletion, startFakeOpenAIServer } from '../support/fake-openai-server.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';
import { testRunConfig } from '../support/run-config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'ahe-money-'));

test('an unknown cost reads $? and a total with unknown parts says so', () => {
  assert.equal(formatUsd(null), '$?');
  assert.equal(formatUsd(0.0123), '$0.0123');
  assert.equal(formatUsdSum([1.2, 0]), '$1.20');
  assert.equal(formatUsdSum([1.2, null]), '≥ $1.20 (+ unknown)');
  assert.equal(formatUsdSum([null, 0]), '$?');
  const job = buildJobResult({ id: 'j', startedAt: new Date().toISOString(), finishedAt: null, trials: [] });
  assert.match(formatJobSummary({ ...job, cost_usd: 0 }, false), / cost \$\? /);
  assert.match(formatJobSummary({ ...job, cost_usd: 0.5 }, true), / cost \$0\.5000 /);
});

test('the evolve summary shows a role with an unknown price as $? and never sums it as $0', () => {
  const runDir = tmp();
  const state = createRunState(
    testRunConfig({ tasks: '/t', model: 'openai:gpt-unknown', evolve_model: 'openai:gpt-5' }),
  );
  state.ledger.coding = { calls: 4, promptTokens: 1000, completionTokens: 100, cachedTokens: 0, costUsd: 0 };
  state.ledger.evolver = { calls: 1, promptTokens: 500, completionTokens: 50, cachedTokens: 0, costUsd: 1.5 };
  saveRunState(runDir, state);
  const { markdown } = writeRunSummary(runDir, state, { coding: false, evolver: true });
  assert.match(
    markdown,
    /Totals: coding 1100 tokens \(\$\?\), debugger 0 \(\$0\.0000\), evolver 550 \(\$1\.50\), cost ≥ \$1\.50 \(\+ unknown\)\./,
  );
});

test('a cost the provider reports (usage.cost, as OpenRouter sends it) is used instead of the price table', async () => {
  const reply = openaiCompletion({ content: 'hi', prompt: 1000, completion: 10 });
  (reply as unknown as { body: { usage: Record<string, unknown> } }).body.usage.cost = 0.0042;
  const server = await startFakeOpenAIServer([reply]);
  try {
    const model = createOpenAIModel('vendor/unlisted-model', {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
      stream: false,
      maxRetries: 0,
    });
    assert.equal(model.priced, false);
    const completion = await model.complete({ messages: [{ role: 'user', content: 'hi' }], tools: [] });
    assert.equal(completion.costUsd, 0.0042);
    assert.equal(model.priced, true);
  } finally {
    await server.close();
  }
});

test('evolve --budget-usd with a model of unknown price refuses to start, naming it and how to price it; the README command works as written', async () => {
  const dir = tmp();
  const base = [
    'evolve',
    '--harness',
    join(ROOT, 'harnesses', 'seed'),
    '--tasks',
    join(ROOT, 'tasks', 'train'),
    '--holdout',
    join(ROOT, 'tasks', 'holdout'),
    '--model',
    'openai:gpt-5.4-pro', // not in the built-in table
    '--iterations',
    '5',
    '-k',
    '2',
    '--concurrency',
    '8',
    '--budget-usd',
    '50',
    '--out',
    join(dir, 'run'),
  ];
  const env = { OPENAI_API_KEY: 'sk-test-not-used' };
  const refused = await runCli([...base, '--estimate-only'], { env });
  assert.equal(refused.exitCode, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /--budget-usd 50: no price is known for openai:gpt-5\.4-pro \(coding agent, --model; evolve agent, --evolve-model; debugger analyst, --debug-model\)/,
  );
  assert.match(refused.stderr, /--prices FILE/);
  assert.match(refused.stderr, /^ {2}openai:gpt-5\.4-pro: \{ input: .*, output: .* \}/m);
  assert.doesNotMatch(refused.stderr, STACK_LINE);

  // The README's main command, with the price file it shows.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const pricesFile = /cat > prices\.yaml <<'EOF'\n([\s\S]*?)\nEOF/.exec(readme)?.[1];
  assert.ok(pricesFile, 'README shows the prices.yaml of its main command');
  const command = /npx ahe evolve (--harness harnesses\/seed [^\n`]*)/.exec(readme)?.[1];
  assert.ok(command?.includes('--budget-usd') && command.includes('--prices prices.yaml'), command);
  writeFileSync(join(dir, 'prices.yaml'), `${pricesFile}\n`);
  const args = ['evolve', ...command!.split(/\s+/)].map((a) => (a === 'runs/first' ? join(dir, 'run') : a));
  const ok = await runCli(
    [...args.map((a, i) => (args[i - 1] === '--prices' ? join(dir, 'prices.yaml') : a)), '--estimate-only'],
    { env, cwd: ROOT },
  );
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.match(ok.stderr, /total ~.* tokens, ~\$\d/);
  assert.match(ok.stderr, /\(budget \$50\)/);
});
