// renderDigest: everything when there is no budget; under a budget the middle shrinks first while the
// first and last steps, every error, the failing tests and the final message stay.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DigestStep, TrialDigest } from '../../src/debugger/digest.ts';
import { renderDigest } from '../../src/debugger/render-digest.ts';
import { renderTimeline } from '../../src/debugger/render-timeline.ts';
import { countTokens } from '../../src/model/count-tokens.ts';

function bigDigest(): TrialDigest {
  const steps: DigestStep[] = [];
  for (let i = 1; i <= 200; i++) {
    const output = Array.from(
      { length: 30 },
      (_, k) => `line ${k} of the output of step ${i}: ${'lorem ipsum '.repeat(4)}`,
    ).join('\n');
    steps.push({
      step: i,
      kind: 'command',
      tool: 'run_shell_command',
      command: `python step_${i}.py`,
      exitCode: 0,
      durationMs: 1200,
      output,
      text: `Now I try approach number ${i}.`,
    });
  }
  steps[99] = {
    step: 100,
    kind: 'command',
    command: 'make build',
    exitCode: 2,
    isError: true,
    output: 'gcc …\nsrc/x.c:3: error: boom',
    errors: ['src/x.c:3: error: boom'],
  };
  steps[120] = { step: 121, kind: 'error', text: 'RateLimitError: 429 Too Many Requests', isError: true };
  return {
    version: 1,
    task: 'build-it',
    trial: 'build-it__3',
    dir: '/jobs/j/build-it__3',
    source: 'ahe-events',
    sourceFiles: ['agent/events.jsonl'],
    reward: 0,
    passed: false,
    exception: { type: 'AgentTimeoutError', message: 'Agent timed out after 900 s' },
    stopReason: 'timeout',
    instruction: 'Build the project.',
    finalMessage: 'I ran out of time before the build passed.',
    steps,
    verifier: {
      summary: { tests: 5, passed: 3, failed: 2 },
      failing: [
        { name: 'tests/test_build.py::test_binary', message: 'AssertionError: ./app missing' },
        { name: 'tests/test_build.py::test_run', message: 'FileNotFoundError' },
      ],
      excerpt: Array.from({ length: 60 }, (_, i) => `verifier line ${i}`).join('\n'),
    },
    stats: { rawBytes: 10_000_000, digestBytes: 0, steps: 200, commands: 199, errors: 2 },
    problems: [],
  };
}

test('without a budget every step and every output line is rendered', () => {
  const text = renderDigest(bigDigest());
  assert.match(
    text,
    /^# build-it \/ build-it__3 — FAIL \(reward 0\)\nexception: AgentTimeoutError: Agent timed out after 900 s\nstop: timeout · 200 agent steps · 199 commands · 2 errors/,
  );
  for (const i of [1, 50, 150, 200])
    assert.match(text, new RegExp(`#${i} \\$ python step_${i}\\.py → exit 0 \\(1\\.2s\\)`));
  assert.match(text, /line 29 of the output of step 57/);
  assert.match(text, /FAILED tests\/test_build\.py::test_binary — AssertionError: \.\/app missing/);
});

test('under a token budget the middle shrinks; first and last steps, errors, failing tests and the final message stay', () => {
  const full = renderDigest(bigDigest());
  const budget = 2500;
  assert.ok(countTokens(full) > budget * 10);
  const text = renderDigest(bigDigest(), { maxTokens: budget });
  assert.ok(countTokens(text) <= budget, `${countTokens(text)} tokens`);
  for (const kept of [
    '#1 $ python step_1.py',
    '#3 $ python step_3.py',
    '#196 $ python step_196.py',
    '#200 $ python step_200.py',
    '#100 $ make build → exit 2',
    'src/x.c:3: error: boom',
    '#121 ERROR RateLimitError: 429 Too Many Requests',
    'tests/test_build.py::test_binary',
    'tests/test_build.py::test_run',
    'final message: I ran out of time before the build passed.',
    'exception: AgentTimeoutError',
  ]) {
    assert.ok(text.includes(kept), `kept: ${kept}`);
  }
  assert.doesNotMatch(text, /python step_57\.py/);
  assert.match(text, /⟨#4–#99: 96 uneventful steps \(96 commands\) not shown⟩/);
});

test('a generous budget changes nothing', () => {
  const d = bigDigest();
  d.steps = d.steps.slice(0, 5);
  assert.equal(renderDigest(d, { maxTokens: 100_000 }), renderDigest(d));
});

test("a timeline's compaction step says how and why the context was compacted", () => {
  const text = renderTimeline(
    [
      {
        step: 4,
        kind: 'compaction',
        text: 'summary, over the context budget: 120000 → 30000 tokens, 40 messages removed',
      },
    ],
    [],
    { outputLines: 4, maxSteps: 10, textChars: 200 },
  );
  assert.equal(
    text.trim(),
    '- **4** context compacted (summary, over the context budget: 120000 → 30000 tokens, 40 messages removed)',
  );
});
