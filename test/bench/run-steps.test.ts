// Multi-step tasks (Harbor's [[steps]]) end to end in the bwrap sandbox: the fixture task
// test/fixtures/multi-step/greet has three steps (scaffold → implement → document); copies of it are edited
// to stop early, fail a healthcheck or a setup script, or ask for what ahe refuses.

import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTask } from '../../src/bench/load-task.ts';
import { stopReason, trialReward } from '../../src/bench/run-steps.ts';
import { runTrial } from '../../src/bench/run-trial.ts';
import type { Task } from '../../src/bench/task.ts';
import { AheTrialInfoSchema, type StepResult, TrialResultReadSchema } from '../../src/bench/trial-result.ts';
import { loadHarness } from '../../src/harness/load-harness.ts';
import type { CompletionRequest } from '../../src/model/types.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { QueueModel, toolCall } from '../support/agent-fixtures.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const FIXTURE = fileURLToPath(new URL('../fixtures/multi-step/greet', import.meta.url));
const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));
const STEP_RESULT_KEYS = [
  'step_name',
  'agent_result',
  'verifier_result',
  'exception_info',
  'agent_execution',
  'verifier',
];

const temps: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
test.after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture (named `greet`), edited by `edit`, loaded. */
function fixture(edit?: (dir: string) => void): Task {
  const dir = join(tempDir('ahe-steps-task-'), 'greet');
  cpSync(FIXTURE, dir, { recursive: true });
  edit?.(dir);
  const { task, problem } = loadTask(dir);
  assert.ok(task, problem && `${problem.path}: ${problem.field ?? ''} ${problem.message}`);
  return task;
}
const editToml = (dir: string, change: (toml: string) => string) =>
  writeFileSync(join(dir, 'task.toml'), change(readFileSync(join(dir, 'task.toml'), 'utf8')));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const rewards = (steps: StepResult[] | undefined) =>
  (steps ?? []).map((s) => s.verifier_result?.rewards.reward ?? null);

test('the oracle passes every step; per-step rewards, files and result fields are laid out as Harbor writes them', {
  skip,
}, async () => {
  const jobDir = tempDir('ahe-steps-job-');
  const r = await runTrial({ task: fixture(), attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info, null);
  assert.deepEqual(r.verifier_result, { rewards: { reward: 1 } });
  assert.equal(r.ahe.passed, true);
  const trial = join(jobDir, 'greet__1');
  const saved = readJson(join(trial, 'result.json'));
  assert.deepEqual(
    saved.step_results.map((s: Record<string, unknown>) => s.step_name),
    ['scaffold', 'implement', 'document'],
  );
  for (const step of saved.step_results) {
    assert.deepEqual(Object.keys(step), STEP_RESULT_KEYS);
    assert.deepEqual(step.verifier_result, { rewards: { reward: 1 } });
    assert.equal(step.exception_info, null);
    assert.ok(step.agent_execution.started_at && step.verifier.finished_at);
  }
  assert.deepEqual(saved.verifier_result, { rewards: { reward: 1 } });
  assert.deepEqual(AheTrialInfoSchema.strict().parse(saved.ahe), saved.ahe);
  assert.deepEqual(saved.ahe.multi_step, { steps: 3, run: 3 });
  assert.ok(TrialResultReadSchema.safeParse(saved).success);
  // Harbor's trial layout: each step's agent/, verifier/ and artifacts/ under steps/<name>/, none at the root.
  assert.deepEqual(readdirSync(trial).sort(), ['config.json', 'result.json', 'steps', 'trial.log']);
  for (const step of ['scaffold', 'implement', 'document'])
    for (const f of ['agent/oracle.txt', 'verifier/reward.txt', 'verifier/test-stdout.txt', 'artifacts/manifest.json'])
      assert.ok(existsSync(join(trial, 'steps', step, f)), `${step}/${f}`);
  // The agent of step 2 saw no tests, and the step's setup.sh had run and removed itself.
  const oracle2 = readFileSync(join(trial, 'steps', 'implement', 'agent', 'oracle.txt'), 'utf8');
  assert.match(oracle2, /^tests-hidden$/m);
  assert.match(oracle2, /^setup-gone$/m);
  // Artifacts: the task-level /app/greet.sh after every step, /app/README.md after the document step only,
  // and what setup.sh left in /logs/artifacts.
  const artifacts = (step: string) => join(trial, 'steps', step, 'artifacts');
  assert.equal(readFileSync(join(artifacts('scaffold'), 'app', 'greet.sh'), 'utf8'), '#!/bin/bash\necho hello\n');
  assert.match(readFileSync(join(artifacts('document'), 'app', 'greet.sh'), 'utf8'), /Hello, \$\{name\}/);
  assert.match(readFileSync(join(artifacts('document'), 'app', 'README.md'), 'utf8'), /^# greet\.sh/);
  assert.ok(!existsSync(join(artifacts('implement'), 'app', 'README.md')));
  assert.equal(
    readFileSync(join(artifacts('implement'), 'logs', 'artifacts', 'setup-marker.txt'), 'utf8'),
    'setup ran\n',
  );
  assert.ok(!existsSync(join(artifacts('document'), 'logs', 'artifacts', 'setup-marker.txt'))); // emptied between steps
  assert.deepEqual(readJson(join(artifacts('document'), 'manifest.json')), [
    {
      source: '/logs/artifacts',
      destination: 'artifacts/logs/artifacts',
      type: 'directory',
      status: 'empty',
      service: null,
    },
    { source: '/app/greet.sh', destination: 'artifacts/app/greet.sh', type: 'file', status: 'ok', service: null },
    { source: '/app/README.md', destination: 'artifacts/app/README.md', type: 'file', status: 'ok', service: null },
  ]);
  // Each step's own timeouts, over the task's.
  assert.deepEqual(
    readJson(join(trial, 'config.json')).steps.map((s: { timeouts: unknown }) => s.timeouts),
    [
      { agent_sec: 30, verifier_sec: 30 },
      { agent_sec: 60, verifier_sec: 20 },
      { agent_sec: 60, verifier_sec: 30 },
    ],
  );
});

test('noop: the first step scores 0, under its min_reward, and the trial stops there with reward 0', {
  skip,
}, async () => {
  const jobDir = tempDir('ahe-steps-job-');
  const r = await runTrial({ task: fixture(), attempt: 1, jobDir, agent: { kind: 'noop' }, backend: 'bwrap' });
  assert.deepEqual(rewards(r.step_results), [0]);
  assert.deepEqual(r.verifier_result, { rewards: { reward: 0 } });
  assert.equal(r.ahe.passed, false);
  assert.equal(r.exception_info, null);
  assert.match(r.ahe.multi_step?.stopped ?? '', /^scaffold: reward 0 below min_reward 1$/);
  assert.deepEqual(readdirSync(join(jobDir, 'greet__1', 'steps')), ['scaffold']);
});

test('a step under its min_reward stops the rest; the trial reward is the mean of the steps run (or the last, with "final")', {
  skip,
}, async () => {
  const broken = (dir: string) => writeFileSync(join(dir, 'steps', 'implement', 'solution', 'solve.sh'), 'echo no\n');
  const jobDir = tempDir('ahe-steps-job-');
  const mean = await runTrial({
    task: fixture(broken),
    attempt: 1,
    jobDir,
    agent: { kind: 'oracle' },
    backend: 'bwrap',
  });
  assert.deepEqual(rewards(mean.step_results), [1, 0]);
  assert.deepEqual(mean.verifier_result, { rewards: { reward: 0.5 } });
  assert.equal(mean.ahe.passed, false);
  assert.match(mean.ahe.multi_step?.stopped ?? '', /^implement: reward 0 below min_reward 0.5$/);
  assert.ok(!existsSync(join(jobDir, 'greet__1', 'steps', 'document')));
  const final = await runTrial({
    task: fixture((dir) => {
      broken(dir);
      editToml(dir, (t) =>
        t.replace('schema_version = "1.1"', 'schema_version = "1.1"\nmulti_step_reward_strategy = "final"'),
      );
    }),
    attempt: 2,
    jobDir,
    agent: { kind: 'oracle' },
    backend: 'bwrap',
  });
  assert.deepEqual(final.verifier_result, { rewards: { reward: 0 } });
});

test('a step that outlives its agent timeout is recorded on the step; its work is still verified and the steps go on', {
  skip,
}, async () => {
  const task = fixture((dir) => {
    editToml(dir, (t) => t.replace('[steps.agent]\ntimeout_sec = 30', '[steps.agent]\ntimeout_sec = 2'));
    writeFileSync(
      join(dir, 'steps', 'scaffold', 'solution', 'solve.sh'),
      `printf '#!/bin/bash\\necho hello\\n' > /app/greet.sh; chmod +x /app/greet.sh; sleep 60\n`,
    );
  });
  const r = await runTrial({
    task,
    attempt: 1,
    jobDir: tempDir('ahe-steps-job-'),
    agent: { kind: 'oracle' },
    backend: 'bwrap',
  });
  assert.equal(r.step_results?.[0]?.exception_info?.exception_type, 'AgentTimeoutError');
  assert.deepEqual(rewards(r.step_results), [1, 1, 1]);
  assert.equal(r.exception_info, null);
});

test('a failing step healthcheck or setup.sh ends the step before its agent, and the trial after it', {
  skip,
}, async () => {
  const jobDir = tempDir('ahe-steps-job-');
  const unhealthy = await runTrial({
    task: fixture((dir) =>
      editToml(dir, (t) => t.replace('command = "test -x /app/greet.sh"', 'command = "test -e /app/never-there"')),
    ),
    attempt: 1,
    jobDir,
    agent: { kind: 'oracle' },
    backend: 'bwrap',
  });
  const step = unhealthy.step_results?.[1];
  assert.equal(step?.step_name, 'implement');
  assert.equal(step?.exception_info?.exception_type, 'HealthcheckError');
  assert.match(
    step?.exception_info?.exception_message ?? '',
    /failed 2 time\(s\) in a row .*test -e \/app\/never-there/,
  );
  assert.equal(step?.agent_execution, null); // the agent never ran
  assert.equal(step?.verifier_result, null);
  assert.equal(unhealthy.step_results?.length, 2);
  // Harbor's rule: the trial reward comes from the steps that have one (here only the first).
  assert.deepEqual(unhealthy.verifier_result, { rewards: { reward: 1 } });
  assert.equal(unhealthy.exception_info, null);
  assert.match(unhealthy.ahe.multi_step?.stopped ?? '', /^implement: HealthcheckError, no reward$/);

  const badSetup = await runTrial({
    task: fixture((dir) =>
      writeFileSync(join(dir, 'steps', 'implement', 'workdir', 'setup.sh'), 'echo broken >&2; exit 4\n'),
    ),
    attempt: 2,
    jobDir,
    agent: { kind: 'oracle' },
    backend: 'bwrap',
  });
  assert.equal(badSetup.step_results?.[1]?.exception_info?.exception_type, 'StepSetupError');
  assert.match(badSetup.step_results?.[1]?.exception_info?.exception_message ?? '', /setup\.sh exited with 4: broken/);
  assert.equal(badSetup.step_results?.length, 2);
});

test('a failing [environment.healthcheck] fails the trial before any step runs', { skip }, async () => {
  const task = fixture((dir) =>
    editToml(dir, (t) =>
      t.replace(
        'workdir = "/app"',
        'workdir = "/app"\n\n[environment.healthcheck]\ncommand = "test -e /app/ready"\ninterval_sec = 0.1\nretries = 1',
      ),
    ),
  );
  const jobDir = tempDir('ahe-steps-job-');
  const r = await runTrial({ task, attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
  assert.equal(r.exception_info?.exception_type, 'HealthcheckError');
  assert.match(r.exception_info!.exception_message, /test -e \/app\/ready/);
  assert.equal(r.step_results, undefined);
  assert.equal(r.verifier_result, null);
  assert.deepEqual(readdirSync(join(jobDir, 'greet__1', 'steps')), []);
});

test('the harness agent keeps its sandbox and its conversation from step to step', { skip }, async () => {
  const harness = await loadHarness(SEED);
  const commands: Record<string, string> = {
    'prints `hello`': `printf '#!/bin/bash\\necho hello\\n' > /app/greet.sh && chmod +x /app/greet.sh`,
    'read from /app/config.txt': `printf '#!/bin/bash\\necho "Hello, $(cat /app/config.txt)!"\\n' > /app/greet.sh`,
    'README.md': `printf '# greet.sh\\n' > /app/README.md && /app/greet.sh`,
  };
  // A new instruction gets the step's command; its result gets a closing message.
  const model = new QueueModel((request: CompletionRequest) => {
    const last = request.messages.at(-1)!;
    if (last.role === 'tool') return { content: `done after: ${last.content.slice(0, 40)}` };
    const command = Object.entries(commands).find(([cue]) => last.content.includes(cue))?.[1];
    return command ? { toolCalls: [toolCall('run_shell_command', { command })] } : { content: 'unknown step' };
  });
  const jobDir = tempDir('ahe-steps-job-');
  const r = await runTrial({
    task: fixture(),
    attempt: 1,
    jobDir,
    agent: { kind: 'harness', harness, modelSpec: 'test:queue', newModel: async () => model },
    backend: 'bwrap',
  });
  assert.deepEqual(rewards(r.step_results), [1, 1, 1]);
  assert.equal(model.requests.length, 6);
  // The first request of step 2 carries all of step 1: its instruction, the tool call, its result, the reply.
  const step2 = model.requests[2]!.messages;
  assert.deepEqual(
    step2.map((m) => m.role),
    ['system', 'user', 'assistant', 'tool', 'assistant', 'user'],
  );
  assert.match(step2[1]!.content, /prints `hello`/);
  const call = step2[2]!;
  assert.ok(call.role === 'assistant' && call.toolCalls?.[0]?.name === 'run_shell_command');
  assert.match(step2[4]!.content, /^done after/);
  assert.match(step2[5]!.content, /read from \/app\/config\.txt/);
  // Step 3 continues the same conversation (10 messages), and its command ran in the sandbox steps 1-2 left.
  assert.equal(model.requests[4]!.messages.length, 10);
  assert.match(model.requests[5]!.messages.at(-1)!.content, /Hello, Harbor!/);
  // Each step has its own trace; the trial's tokens are the steps' together.
  for (const step of ['scaffold', 'implement', 'document'])
    for (const f of ['events.jsonl', 'trajectory.json'])
      assert.ok(existsSync(join(jobDir, 'greet__1', 'steps', step, 'agent', f)), `${step}/${f}`);
  assert.equal(r.agent_result?.n_input_tokens, 600);
  assert.deepEqual(
    r.step_results?.map((s) => s.agent_result?.n_input_tokens),
    [200, 200, 200],
  );
  assert.equal(r.ahe.steps, 6);
});

test('a model that cannot be reached in a later step makes the trial an InfrastructureError (run again on resume)', {
  skip,
}, async () => {
  const { ModelConnectionError } = await import('../../src/errors.ts');
  const { trialFinished } = await import('../../src/bench/run-trial.ts');
  const model = new QueueModel((request: CompletionRequest, index: number) => {
    if (index === 0)
      return {
        toolCalls: [
          toolCall('run_shell_command', {
            command: `printf '#!/bin/bash\\necho hello\\n' > greet.sh; chmod +x greet.sh`,
          }),
        ],
      };
    if (request.messages.at(-1)!.role === 'tool') return { content: 'done' };
    return new ModelConnectionError('connection refused (test)');
  });
  const jobDir = tempDir('ahe-steps-job-');
  const r = await runTrial({
    task: fixture(),
    attempt: 1,
    jobDir,
    agent: { kind: 'harness', harness: await loadHarness(SEED), modelSpec: 'test:queue', newModel: async () => model },
    backend: 'bwrap',
    timeoutMultiplier: 2,
  });
  assert.deepEqual(rewards(r.step_results), [1, null]);
  assert.equal(r.step_results?.[1]?.exception_info?.exception_type, 'InfrastructureError');
  assert.equal(r.exception_info?.exception_type, 'InfrastructureError');
  assert.match(r.exception_info!.exception_message, /^step implement: .*connection refused \(test\)/);
  assert.equal(trialFinished(join(jobDir, 'greet__1')), false);
  // --timeout-multiplier scales each step's own timeouts too.
  assert.deepEqual(
    readJson(join(jobDir, 'greet__1', 'config.json')).steps.map((s: { timeouts: unknown }) => s.timeouts),
    [
      { agent_sec: 60, verifier_sec: 60 },
      { agent_sec: 120, verifier_sec: 40 },
      { agent_sec: 120, verifier_sec: 60 },
    ],
  );
});

test('fields ahe cannot run are refused, naming the file and field; nothing is started', async () => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    [
      'mcp_servers',
      (dir) =>
        editToml(dir, (t) =>
          t.replace(
            '[environment]',
            '[environment]\nmcp_servers = [{ name = "db", transport = "stdio", command = "db-mcp" }]',
          ),
        ),
      /^task\.toml \[environment\]\.mcp_servers: MCP server sidecars/,
    ],
    [
      'docker-compose',
      (dir) => writeFileSync(join(dir, 'environment', 'docker-compose.yaml'), 'services: {}\n'),
      /^environment\/docker-compose\.yaml: docker-compose environments/,
    ],
    [
      'step agent user',
      (dir) =>
        editToml(dir, (t) =>
          t.replace('[steps.agent]\ntimeout_sec = 30', '[steps.agent]\ntimeout_sec = 30\nuser = "agent"'),
        ),
      /^task\.toml \[\[steps\]\]\[0\]\.agent\.user: /,
    ],
    [
      'separate verifier',
      (dir) =>
        editToml(dir, (t) => t.replace('[steps.verifier]\n', '[steps.verifier]\nenvironment_mode = "separate"\n')),
      /^task\.toml \[\[steps\]\]\[1\]\.verifier\.environment_mode: a separate verifier/,
    ],
    [
      'sidecar artifact',
      (dir) =>
        editToml(dir, (t) =>
          t.replace('artifacts = ["/app/greet.sh"]', 'artifacts = [{ source = "/var/log/db.log", service = "db" }]'),
        ),
      /^task\.toml artifacts\[0\]\.service: /,
    ],
  ];
  for (const [label, edit, message] of cases) {
    const jobDir = tempDir('ahe-steps-job-');
    const r = await runTrial({ task: fixture(edit), attempt: 1, jobDir, agent: { kind: 'oracle' }, backend: 'bwrap' });
    assert.equal(r.exception_info?.exception_type, 'UnsupportedTaskError', label);
    assert.match(r.exception_info!.exception_message, message, label);
    assert.equal(r.environment_setup, null, label);
    assert.deepEqual(readdirSync(join(jobDir, 'greet__1', 'steps')), [], label);
  }
});

test('a malformed multi-step task is a load problem naming the file and field', () => {
  const problem = (edit: (dir: string) => void) => {
    const dir = join(tempDir('ahe-steps-task-'), 'greet');
    cpSync(FIXTURE, dir, { recursive: true });
    edit(dir);
    return loadTask(dir).problem;
  };
  const missing = problem((dir) => rmSync(join(dir, 'steps', 'document', 'instruction.md')));
  assert.match(missing?.path ?? '', /steps\/document\/instruction\.md$/);
  const badName = problem((dir) => editToml(dir, (t) => t.replace('name = "document"', 'name = "../escape"')));
  assert.equal(badName?.field, 'steps.2.name');
  const twice = problem((dir) => editToml(dir, (t) => t.replace('name = "document"', 'name = "scaffold"')));
  assert.equal(twice?.field, 'steps.2.name');
  assert.match(twice?.message ?? '', /names two steps/);
  const badStrategy = problem((dir) => editToml(dir, (t) => `multi_step_reward_strategy = "best"\n${t}`));
  assert.equal(badStrategy?.field, 'multi_step_reward_strategy');
});

test('the fixture loads with its steps, healthcheck, verifier env, artifacts and Harbor defaults', () => {
  const task = fixture();
  assert.deepEqual(
    task.steps.map((s) => [s.name, s.minReward, s.agentTimeoutSec, s.verifierTimeoutSec]),
    [
      ['scaffold', 1, 30, undefined],
      ['implement', 0.5, undefined, 20],
      ['document', undefined, undefined, undefined],
    ],
  );
  assert.deepEqual(task.steps[1]!.healthcheck, {
    command: 'test -x /app/greet.sh',
    intervalSec: 0.1,
    timeoutSec: 10,
    startPeriodSec: 0,
    startIntervalSec: 5,
    retries: 2,
  });
  assert.deepEqual(task.steps[1]!.verifierEnv, { EXPECTED_GREETING: 'Hello, Harbor!' });
  assert.ok(task.steps[1]!.workdir?.endsWith('steps/implement/workdir'));
  assert.deepEqual(task.artifacts, [{ source: '/app/greet.sh' }]);
  assert.deepEqual(task.steps[2]!.artifacts, [{ source: '/app/README.md' }]);
  assert.equal(task.multiStepRewardStrategy, 'mean');
  assert.deepEqual(task.unsupported, []);
});

test("min_reward and the trial reward follow Harbor's rules", () => {
  const step = (rewards: Record<string, number> | null, exception = false): StepResult => ({
    step_name: 's',
    agent_result: null,
    verifier_result: rewards ? { rewards: rewards as Record<string, number> & { reward: number } } : null,
    exception_info: exception
      ? { exception_type: 'AgentError', exception_message: 'x', exception_traceback: '', occurred_at: '' }
      : null,
    agent_execution: null,
    verifier: null,
  });
  assert.equal(stopReason({ minReward: 1 }, step({ reward: 1 })), undefined);
  assert.match(stopReason({ minReward: 1 }, step({ reward: 0.9 })) ?? '', /reward 0.9 below min_reward 1/);
  // A table gates each key; a missing key or a missing reward counts as below.
  assert.match(stopReason({ minReward: { reward: 0.5, style: 0.5 } }, step({ reward: 1 })) ?? '', /style missing/);
  assert.match(stopReason({ minReward: 0 }, step(null)) ?? '', /reward missing/);
  // A failure that left no reward stops even without min_reward; one with a reward does not.
  assert.match(stopReason({}, step(null, true)) ?? '', /AgentError, no reward/);
  assert.equal(stopReason({}, step({ reward: 0 }, true)), undefined);
  // Mean per key over the steps with a reward (a missing key counts 0); "final" takes the last step's.
  const steps = [step({ reward: 1, style: 1 }), step({ reward: 0 }), step(null, true)];
  assert.deepEqual(trialReward(steps, 'mean'), { rewards: { reward: 0.5, style: 0.5 } });
  assert.equal(trialReward(steps, 'final'), null);
  assert.equal(trialReward([], 'mean'), null);
});
