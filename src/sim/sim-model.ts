// The simulator's models, for `ahe eval` / `ahe evolve` on real tasks with a known ground truth.
// `sim:<scenario.yaml>` is a coding agent whose success in a trial is drawn, not earned: the probability
// is the scenario's (the task's base plus the deltas of the rules the harness text matches), the draw is
// simDraw(seed, task, attempt, harness content hash, iteration) — the same draw `ahe simulate` makes. On
// success it runs the task's own reference solution through the shell tool; otherwise it stops without
// doing the work; the real sandbox and verifier decide the reward either way. It learns its trial from
// the model context (src/model/types.ts ModelContext), never from the instruction.
// `sim-evolver:<scenario.yaml>` is an evolve agent that makes the scenario's candidate of the iteration
// through the real evolve tools: write_file for each file, commit_change, write_manifest.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { countMessageTokens, countTokens } from '../model/count-tokens.ts';
import type { Completion, CompletionRequest, Model, ModelContext, ToolCall } from '../model/types.ts';
import { readHarnessFiles, simDraw, snapshotOf } from './draw.ts';
import { loadScenario, successProbability } from './scenario.ts';
import { candidateChange } from './simulate.ts';

/** The shell tool of ahe's seed harness, which the simulated coding agent uses to run a solution. */
export const SIM_SHELL_TOOL = 'run_shell_command';

interface Turn {
  content: string;
  call?: { name: string; arguments: Record<string, unknown> };
}

function completion(turn: Turn, request: CompletionRequest, index: number, name: string): Completion {
  const toolCalls: ToolCall[] = turn.call
    ? [
        {
          id: `sim_${index}`,
          name: turn.call.name,
          arguments: turn.call.arguments,
          rawArguments: JSON.stringify(turn.call.arguments),
        },
      ]
    : [];
  return {
    message: { role: 'assistant', content: turn.content, ...(toolCalls.length ? { toolCalls } : {}) },
    usage: {
      promptTokens: countMessageTokens(request.messages),
      completionTokens: countTokens(turn.content) + toolCalls.reduce((n, c) => n + countTokens(c.rawArguments), 0),
      cachedTokens: 0,
    },
    costUsd: 0,
    finishReason: toolCalls.length ? 'tool_calls' : 'stop',
    model: name,
  };
}

/** A model that plays the given turns in order (its last turn ends the session). */
function turnsModel(spec: string, name: string, turns: Turn[]): Model {
  let cursor = 0;
  return {
    spec,
    provider: spec.slice(0, spec.indexOf(':')),
    name,
    priced: true,
    async complete(request) {
      const index = Math.min(cursor++, turns.length - 1);
      return completion(turns[index]!, request, index, name);
    },
  };
}

const need = <T>(value: T | undefined, what: string, spec: string): T => {
  if (value === undefined)
    throw new UserError(
      `${spec}: the model needs the ${what} of its trial (sim: models run as the coding agent of ahe eval or ahe evolve)`,
    );
  return value;
};

/**
 * A sim model made with no trial context: the commands' up-front check that a model spec works (the
 * scenario loads). Asked to complete, it says what it lacks.
 */
function contextless(spec: string, what: string): Model {
  return {
    spec,
    provider: spec.slice(0, spec.indexOf(':')),
    name: 'sim',
    priced: true,
    async complete(): Promise<never> {
      need(undefined, what, spec);
      throw new Error('unreachable');
    },
  };
}

/** `sim:<scenario>`: succeeds with the scenario's probability, by running the task's reference solution. */
export function createSimModel(file: string, context: ModelContext): Model {
  const spec = `sim:${file}`;
  const scenario = loadScenario(file);
  if (Object.values(context).every((v) => v === undefined)) return contextless(spec, 'task');
  const task = need(context.task, 'task', spec);
  const taskDir = need(context.taskDir, 'task directory', spec);
  const attempt = need(context.attempt, 'attempt', spec);
  const harnessDir = need(context.harnessDir, 'harness', spec);
  const snapshot = snapshotOf(readHarnessFiles(harnessDir));
  const harnessHash = context.harnessHash ?? snapshot.hash;
  const p = successProbability(scenario, task, snapshot.text);
  const u = simDraw({ seed: scenario.seed, task, attempt, harnessHash, iteration: context.iteration ?? 0 });
  const name = `sim (${task} #${attempt}: p = ${p.toFixed(2)}, draw ${u.toFixed(3)})`;
  if (u >= p) return turnsModel(spec, name, [{ content: 'I could not finish this task.' }]);
  const solution = join(taskDir, 'solution', 'solve.sh');
  if (!existsSync(solution))
    throw new UserError(`${spec}: task ${task} has no solution/solve.sh for the simulated agent to run`);
  return turnsModel(spec, name, [
    {
      content: 'Working on it.',
      call: { name: SIM_SHELL_TOOL, arguments: { command: readFileSync(solution, 'utf8') } },
    },
    { content: 'Done.' },
  ]);
}

/** `sim-evolver:<scenario>`: proposes the scenario's candidate of the iteration through the evolve tools. */
export function createSimEvolverModel(file: string, context: ModelContext): Model {
  const spec = `sim-evolver:${file}`;
  const scenario = loadScenario(file);
  if (Object.values(context).every((v) => v === undefined)) return contextless(spec, 'evolve iteration');
  const iteration = need(context.iteration, 'evolve iteration', spec);
  const candidate = scenario.candidates[iteration];
  if (!candidate)
    return turnsModel(spec, 'sim-evolver', [
      {
        content: 'No candidate left.',
        call: { name: 'write_manifest', arguments: { manifest: { iteration, changes: [] } } },
      },
      { content: 'No change this iteration.' },
    ]);
  return turnsModel(spec, `sim-evolver (${candidate.id})`, [
    ...Object.entries(candidate.files).map(([path, content]) => ({
      content: `Writing ${path}.`,
      call: { name: 'write_file', arguments: { path, content } },
    })),
    { content: 'Committing.', call: { name: 'commit_change', arguments: { id: candidate.id, message: candidate.id } } },
    {
      content: 'Recording the manifest.',
      call: { name: 'write_manifest', arguments: { manifest: { iteration, changes: [candidateChange(candidate)] } } },
    },
    { content: `Proposed ${candidate.id}.` },
  ]);
}
