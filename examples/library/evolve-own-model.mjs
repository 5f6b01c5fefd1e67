// Run an evolution with a model object of one's own. Any object with `spec`, `provider`, `name` and
// `complete(request, signal)` is a Model; `resolveModel` hands the loop one per role. The specs in the
// config then only name the models (in state.json and summary.md).
// Usage: node evolve-own-model.mjs RUN_DIR
import { cpSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledPath, createModel, evolve } from 'ahe';

// The evolve agent's model, written by hand: it reads the evidence, then records that it changes nothing.
// A real one would send `request.messages` and `request.tools` to an LLM and map its answer back.
class CautiousEvolver {
  spec = 'mine:cautious-evolver';
  provider = 'mine';
  name = 'cautious-evolver';
  calls = 0;

  async complete(request) {
    this.calls += 1;
    const task = request.messages.find((m) => m.role === 'user').content;
    const iteration = Number(/Iteration (\d+)/.exec(task)[1]);
    const results = request.messages.filter((m) => m.role === 'tool').length;
    if (results === 0) return this.reply('Reading the evidence first.', 'read_evidence', { section: 'overview' });
    if (results === 1)
      return this.reply('Nothing to change yet.', 'write_manifest', { manifest: { iteration, changes: [] } });
    return this.reply('No change this iteration: the evidence is too thin.');
  }

  reply(content, tool, args) {
    const toolCalls = tool
      ? [{ id: `call_${this.calls}`, name: tool, arguments: args, rawArguments: JSON.stringify(args) }]
      : undefined;
    return {
      message: { role: 'assistant', content, ...(toolCalls ? { toolCalls } : {}) },
      usage: { promptTokens: 100, completionTokens: 20, cachedTokens: 0 },
      costUsd: 0,
      finishReason: toolCalls ? 'tool_calls' : 'stop',
      model: this.name,
    };
  }
}

const runDir = resolve(process.argv[2]);
// The training split: two bundled tasks, copied into a directory of their own.
const tasks = `${runDir}-tasks`;
for (const name of ['top-words', 'repair-json-config'])
  cpSync(bundledPath(`tasks/train/${name}`), join(tasks, name), { recursive: true });

const codingScript = fileURLToPath(new URL('coding.script.yaml', import.meta.url));
const evolver = new CautiousEvolver();
const state = await evolve({
  runDir, // running it again on the same RUN_DIR resumes the run
  config: {
    harness: bundledPath('harnesses/seed'),
    tasks,
    holdout: null,
    model: `scripted:${codingScript}`,
    evolve_model: evolver.spec,
    debug_model: null, // the heuristic debugger report, no analyst model
    iterations: 1,
    k: 1,
    concurrency: 2,
    holdout_every: 1,
    budget_usd: null,
    budget_tokens: null,
    budget_minutes: null,
    timeout_multiplier: 1,
  },
  // Called once per coding trial (each gets a fresh model) and once per debug or evolve step.
  resolveModel: (spec, role) => (role === 'evolver' ? evolver : createModel(spec)),
  log: (line) => console.log(line),
});

console.log(
  `stopped: ${state.stopped?.reason} · best iteration ${state.best?.iteration} (pass@1 ${state.best?.pass_at_1})`,
);
console.log(`evolver calls: ${evolver.calls} · summary: ${join(runDir, 'summary.md')}`);
