// Shared by the ace and tf-grpo tests: a fake evolve model answering from a function of the request, and
// an evolve step's input over a real workspace made from the seed harness and the demo tasks, with a
// hand-written training job result (no sandbox needed).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDemo } from '../../examples/evolve-demo/make-demo.ts';
import { loadTaskSuite } from '../../src/bench/load-task.ts';
import { EvolveConfigSchema } from '../../src/evolve/evolve-config.ts';
import type { EvolveStepInput } from '../../src/evolve/evolve-step.ts';
import { createWorkspace } from '../../src/evolve/workspace.ts';
import type { CompletionRequest, Model } from '../../src/model/types.ts';
import { demoEvolveConfig } from '../support/demo-evolve.ts';

export const SEED = fileURLToPath(new URL('../../harnesses/seed', import.meta.url));

/** A model whose reply text is `answer(system, user, attempt)`; `calls` lists every request's roles' text. */
export function fakeModel(answer: (system: string, user: string, request: CompletionRequest) => string) {
  const calls: { system: string; user: string }[] = [];
  const model: Model = {
    spec: 'fake:evolver',
    provider: 'fake',
    name: 'evolver',
    priced: true,
    async complete(request) {
      const system = request.messages.find((m) => m.role === 'system')?.content ?? '';
      const user = request.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
      calls.push({ system, user });
      const content = answer(system, user, request);
      return {
        message: { role: 'assistant', content },
        usage: { promptTokens: 100, completionTokens: 10, cachedTokens: 0 },
        costUsd: 0.01,
        finishReason: 'stop',
        model: 'evolver',
      };
    },
  };
  return { model, calls };
}

export interface StepFixture {
  input: EvolveStepInput;
  runDir: string;
  iterationDir: string;
}

/**
 * A run directory with a workspace at the seed, iteration `n`'s job/result.json from `outcomes`
 * (task → rewards), and evidence that names each task's attempts.
 */
export async function stepFixture(
  method: 'ace' | 'tf-grpo',
  model: Model,
  outcomes: Record<string, number[]>,
  k = 2,
): Promise<StepFixture> {
  const dir = mkdtempSync(join(tmpdir(), `ahe-${method}-`));
  const demo = makeDemo(dir);
  const runDir = join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  const workspace = await createWorkspace(runDir, SEED);
  const iterationDir = join(runDir, 'iterations', '0');
  mkdirSync(join(iterationDir, 'job'), { recursive: true });
  writeJob(iterationDir, outcomes);
  const config = EvolveConfigSchema.parse(
    demoEvolveConfig(demo, {
      model: 'fake:coding',
      evolve_model: 'fake:evolver',
      iterations: 2,
      k,
      concurrency: 1,
      method,
    }),
  );

  const input: EvolveStepInput = {
    runDir,
    iteration: 0,
    iterationDir,
    workspace,
    config,
    trainTasks: loadTaskSuite(demo.tasks).tasks,
    evidenceSections: ['overview', 'debugger_overview', 'task_detail:<task>'],
    readEvidence: async (section) => {
      const detail = /^task_detail:(.+)$/.exec(section);
      if (!detail) return `Evidence section ${section}.`;
      const rewards = outcomes[detail[1]!] ?? [];
      return [`# ${detail[1]}`, ...rewards.map((r, i) => `## Attempt ${i + 1} — ${r >= 1 ? 'PASSED' : 'FAILED'}`)].join(
        '\n',
      );
    },
    evolveModel: async () => model,
    evaluate: async () => {
      throw new Error('not used by memory methods');
    },
    log: () => {},
  };
  return { input, runDir, iterationDir };
}

export function writeJob(iterationDir: string, outcomes: Record<string, number[]>): void {
  const tasks = Object.fromEntries(
    Object.entries(outcomes).map(([task, rewards]) => [
      task,
      { n: rewards.length, c: rewards.filter((r) => r >= 1).length, rewards, exceptions: [] },
    ]),
  );
  mkdirSync(join(iterationDir, 'job'), { recursive: true });
  writeFileSync(join(iterationDir, 'job', 'result.json'), JSON.stringify({ tasks }));
}
