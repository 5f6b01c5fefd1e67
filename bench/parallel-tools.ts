// Wall time of one agent turn whose reply makes 4 tool calls of 1 second each, run one after another
// (tools without `parallel`) versus at once (`parallel: true`), through the real runtime (dispatch,
// middleware chain, validation, truncation, event log). Two kinds of 1-second tool: a timer, and a real
// `sleep 1` child process (what a shell command costs). The model answers instantly.
// Run: npm run bench -- parallel-tools   (or node --import tsx bench/parallel-tools.ts); RUNS=… runs per row.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runAgent } from '../src/agent/run-agent.ts';
import type { LoadedTool } from '../src/harness/types.ts';
import { countMessageTokens } from '../src/model/count-tokens.ts';
import { openEventLog } from '../src/trace/event-log.ts';
import { createRedactor } from '../src/trace/redact.ts';
import { echoTool, makeHarness, QueueModel, RecordingSandbox, toolCall } from '../test/support/agent-fixtures.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const CALLS = 4;
const run = promisify(execFile);

const KINDS: Record<string, () => Promise<string>> = {
  'timer (1 s)': () => new Promise((resolve) => setTimeout(() => resolve('slept'), 1000)),
  'process (sleep 1)': async () => (await run('sleep', ['1'])).stdout || 'slept',
};

async function turnMs(work: () => Promise<string>, parallel: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ahe-bench-'));
  const tool: LoadedTool = { ...echoTool('slow', async () => work()), ...(parallel ? { parallel: true } : {}) };
  const model = new QueueModel([
    { toolCalls: Array.from({ length: CALLS }, (_, i) => toolCall('slow', { text: `call ${i}` })) },
    { content: 'done' },
  ]);
  const trace = openEventLog(join(dir, 'events.jsonl'), { sessionId: 'bench', redactor: createRedactor(process.env) });
  const started = process.hrtime.bigint();
  const result = await runAgent({
    harness: makeHarness({ tools: [tool] }),
    model,
    instruction: 'bench',
    sandbox: new RecordingSandbox(),
    trace,
    countTokens: (m) => countMessageTokens([m]),
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  trace.close();
  rmSync(dir, { recursive: true, force: true });
  if (result.status !== 'completed') throw new Error(`bench session ended ${result.status}: ${result.error ?? ''}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await turnMs(async () => 'warm-up', false);
console.log(`one turn with ${CALLS} tool calls of 1 s · median of ${RUNS} runs · node ${process.version}`);
console.log('| tool | serial | parallel: true | speed-up |');
console.log('|---|---|---|---|');
for (const [kind, work] of Object.entries(KINDS)) {
  const serial: number[] = [];
  const parallel: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    serial.push(await turnMs(work, false));
    parallel.push(await turnMs(work, true));
  }
  const s = median(serial);
  const p = median(parallel);
  console.log(`| ${kind} | ${(s / 1000).toFixed(3)} s | ${(p / 1000).toFixed(3)} s | ${(s / p).toFixed(2)}× |`);
}
