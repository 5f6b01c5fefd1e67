// Runtime overhead per agent step, excluding model and tool time: a zero-latency in-memory model
// drives a 200-step session through the real runtime (middleware chain, validation, truncation,
// compaction checks with the real tokenizer, and the real on-disk event log).
// Run: npm run bench -- agent-step-overhead   (or node --import tsx bench/agent-step-overhead.ts)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from '../src/agent/run-agent.ts';
import type { Harness } from '../src/harness/types.ts';
import { countMessageTokens } from '../src/model/count-tokens.ts';
import type { Completion, CompletionRequest, Model } from '../src/model/types.ts';
import { openEventLog } from '../src/trace/event-log.ts';
import { createRedactor } from '../src/trace/redact.ts';
import { echoTool, makeHarness, RecordingSandbox } from '../test/support/agent-fixtures.ts';

const STEPS = Number(process.env.STEPS ?? 200);
const RUNS = Number(process.env.RUNS ?? 5);

/** Answers instantly; records when each call arrives so the time between calls is pure runtime + tool time. */
class TimingModel implements Model {
  readonly spec = 'bench:instant';
  readonly provider = 'bench';
  readonly name = 'instant';
  readonly arrivals: bigint[] = [];
  readonly departures: bigint[] = [];
  async complete(request: CompletionRequest): Promise<Completion> {
    this.arrivals.push(process.hrtime.bigint());
    const n = this.arrivals.length;
    const done = n >= STEPS;
    const completion: Completion = {
      message: done
        ? { role: 'assistant', content: 'finished' }
        : {
            role: 'assistant',
            content: `step ${n}: running a command`,
            toolCalls: [
              {
                id: `c${n}`,
                name: 'echo',
                arguments: { text: `ls -la /app/src/${n}` },
                rawArguments: `{"text":"ls -la /app/src/${n}"}`,
              },
            ],
          },
      usage: { promptTokens: request.messages.length * 50, completionTokens: 20, cachedTokens: 0 },
      costUsd: 0,
      finishReason: done ? 'stop' : 'tool_calls',
      model: 'instant',
    };
    this.departures.push(process.hrtime.bigint());
    return completion;
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function once(harness: Harness): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-bench-'));
  const model = new TimingModel();
  const trace = openEventLog(join(dir, 'events.jsonl'), { sessionId: 'bench', redactor: createRedactor(process.env) });
  // A realistic ~1 KB tool output per step.
  const output = 'drwxr-xr-x 2 root root 4096 Jan  1 00:00 file\n'.repeat(24);
  const h = { ...harness, tools: [echoTool('echo', async () => output)] };
  await runAgent({
    harness: h,
    model,
    instruction: 'bench',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: (m) => countMessageTokens([m]),
  });
  trace.close();
  rmSync(dir, { recursive: true, force: true });
  // Overhead of step i = from the model returning step i to the model being called for step i+1 (tool time ~0).
  return model.arrivals.slice(1).map((t, i) => Number(t - model.departures[i]!) / 1e6);
}

const harness = makeHarness({
  limits: { maxSteps: STEPS + 1, maxWallSec: 600, maxTotalTokens: 0, commandTimeoutSec: 30 },
  model: { contextBudgetTokens: 1_000_000 },
});
await once(harness); // warm-up (JIT, tokenizer tables)
const all: number[][] = [];
for (let r = 0; r < RUNS; r++) all.push(await once(harness));
const flat = all.flat().sort((a, b) => a - b);
const firstQuarter = all.flatMap((steps) => steps.slice(0, STEPS / 4)).sort((a, b) => a - b);
const lastQuarter = all.flatMap((steps) => steps.slice((3 * STEPS) / 4)).sort((a, b) => a - b);
console.log(`agent step overhead · ${RUNS} sessions × ${STEPS} steps · node ${process.version}`);
console.log('| measure | ms |');
console.log('|---|---|');
console.log(`| median per step | ${quantile(flat, 0.5).toFixed(3)} |`);
console.log(`| p95 per step | ${quantile(flat, 0.95).toFixed(3)} |`);
console.log(`| median, steps 1–${STEPS / 4} | ${quantile(firstQuarter, 0.5).toFixed(3)} |`);
console.log(`| median, steps ${(3 * STEPS) / 4 + 1}–${STEPS} | ${quantile(lastQuarter, 0.5).toFixed(3)} |`);
