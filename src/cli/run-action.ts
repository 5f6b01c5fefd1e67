// `ahe run` at work: loads the harness and the model, runs one session on the host, writes its result.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { recordSession } from '../agent/record-session.ts';
import { UserError } from '../errors.ts';
import { loadHarness } from '../harness/load-harness.ts';
import { createModel } from '../model/create-model.ts';
import { checkModelFlag } from '../model/model-file.ts';
import { loadPriceTable } from '../model/prices.ts';
import { createHostSandbox } from '../sandbox/host-sandbox.ts';
import { writeJsonAtomic } from '../trace/write-atomic.ts';
import { INTERRUPTED_EXIT, interruptible } from './interruptible.ts';
import { createProgressView, formatCost, formatTokens } from './progress-view.ts';
import type { RunFlags } from './run-command.ts';

/** Exit codes of `ahe run`, documented in --help. */
const EXIT = { completed: 0, error: 1, aborted: INTERRUPTED_EXIT, limit: 3 } as const;

function readInstruction(flags: RunFlags): string {
  if (flags.instruction && flags.instructionFile)
    throw new UserError('give either --instruction or --instruction-file, not both');
  if (flags.instructionFile) {
    const file = resolve(flags.instructionFile);
    if (!existsSync(file)) throw new UserError(`--instruction-file: ${file} does not exist`);
    const text = readFileSync(file, 'utf8');
    if (!text.trim()) throw new UserError(`--instruction-file: ${file} is empty: the agent would have no task`);
    return text;
  }
  if (flags.instruction?.trim()) return flags.instruction;
  throw new UserError('missing the task: pass --instruction "…" or --instruction-file FILE');
}

function defaultOutDir(now = new Date()): string {
  return resolve('runs', `run-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`);
}

export async function runAgentSession(flags: RunFlags): Promise<number> {
  const instruction = readInstruction(flags);
  const workdir = resolve(flags.workdir);
  if (!existsSync(workdir) || !statSync(workdir).isDirectory())
    throw new UserError(`--workdir: ${workdir} is not a directory`);
  const harness = await loadHarness(resolve(flags.harness), {
    onComponentLog: (file, level, message) => process.stderr.write(`[${file} ${level}] ${message}\n`),
  });
  const prices = flags.prices ? loadPriceTable(resolve(flags.prices)) : undefined;
  checkModelFlag(flags.model, '--model', 'other');
  if (flags.fallbackModel) checkModelFlag(flags.fallbackModel, '--fallback-model', 'other');
  const model = await createModel(flags.model, {
    prices,
    maxRetries: flags.maxRetries,
    recordTo: flags.record && resolve(flags.record),
    fallback: flags.fallbackModel,
    // The harness's level is checked against the provider now too, not at the first call.
    reasoningEffort: flags.reasoningEffort ?? harness.model.reasoningEffort,
  });
  const outDir = resolve(flags.out ?? defaultOutDir());
  if (existsSync(resolve(outDir, 'events.jsonl')))
    throw new UserError(
      `--out ${outDir} already holds a session (events.jsonl): choose a new directory so no trace is mixed or lost`,
    );
  const limits = {
    ...(flags.maxSteps ? { maxSteps: flags.maxSteps } : {}),
    ...(flags.timeout ? { maxWallSec: flags.timeout } : {}),
    ...(flags.maxTokens ? { maxTotalTokens: flags.maxTokens } : {}),
    ...(flags.maxCostUsd ? { maxCostUsd: flags.maxCostUsd } : {}),
  };

  // Ctrl-C or SIGTERM: the session stops and its trace is finished; twice quits at once.
  const { signal, dispose } = interruptible(process.stderr, 'finishing the trace (Ctrl-C again to quit at once)');
  const view = flags.quiet
    ? undefined
    : createProgressView(process.stderr, {
        maxSteps: limits.maxSteps ?? harness.limits.maxSteps,
        // Read at each update: a provider that reports its cost is priced once it has.
        get costKnown() {
          return model.priced !== false;
        },
      });
  const sandbox = createHostSandbox({ workdir });
  if (!flags.quiet)
    process.stderr.write(`ahe run · harness ${harness.name} · model ${model.spec} · workdir ${workdir}\n`);
  try {
    const result = await recordSession({
      harness,
      model,
      instruction,
      sandbox,
      outDir,
      signal,
      limits,
      onProgress: (p) => view?.update(p),
    });
    view?.stop();
    writeJsonAtomic(resolve(outDir, 'result.json'), {
      session_id: result.sessionId,
      status: result.status,
      final_message: result.finalMessage,
      steps: result.steps,
      usage: {
        prompt_tokens: result.usage.promptTokens,
        completion_tokens: result.usage.completionTokens,
        cached_tokens: result.usage.cachedTokens,
      },
      cost_usd: result.costUsd,
      duration_ms: result.durationMs,
      harness: { name: harness.name, dir: harness.dir, content_hash: harness.contentHash },
      model: model.spec,
      ...(result.error ? { error: result.error } : {}),
    });
    const out = process.stdout;
    if (result.finalMessage) out.write(`${result.finalMessage.trim()}\n\n`);
    out.write(
      `status ${result.status} · ${result.steps} steps · ${formatTokens(result.usage.promptTokens)} prompt + ${formatTokens(result.usage.completionTokens)} completion tokens · ${formatCost(result.costUsd, model.priced !== false)} · ${(result.durationMs / 1000).toFixed(1)}s\n` +
        `trace: ${result.eventsFile}\ntrajectory: ${result.trajectoryFile}\n`,
    );
    if (result.error) process.stderr.write(`ahe: the session failed: ${result.error}\n`);
    if (result.status === 'completed') return EXIT.completed;
    if (result.status === 'error') return EXIT.error;
    if (result.status === 'aborted') return EXIT.aborted;
    return EXIT.limit;
  } finally {
    view?.stop();
    dispose();
    await sandbox.close();
  }
}
