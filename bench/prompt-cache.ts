// Prompt caching over a 50-step session: the real agent runtime drives the real provider clients
// (Anthropic Messages, OpenAI Chat Completions) against fake servers that simulate each provider's prefix
// cache (test/support/prompt-cache-sim.ts: Anthropic breakpoints and minimum sizes, OpenAI's automatic
// cache of prompts ≥ 1024 tokens in 128-token steps; tokens estimated as characters / 4). For each run:
// the share of each request's input that is a stable prefix of the previous request (what any prefix
// cache could reuse), the cached tokens the fake reports, the cache hit rate, and the cost at list prices
// against the same session without caching.
// Run: npm run bench -- prompt-cache   (or node --import tsx bench/prompt-cache.ts; STEPS=… to change 50)
import { runAgent } from '../src/agent/run-agent.ts';
import { createAnthropicModel } from '../src/model/anthropic-model.ts';
import { createOpenAIModel } from '../src/model/openai-model.ts';
import { costOf } from '../src/model/prices.ts';
import type { Completion, CompletionRequest, Model, Usage } from '../src/model/types.ts';
import { addUsage, ZERO_USAGE } from '../src/model/usage.ts';
import { echoTool, MemoryTrace, makeHarness, RecordingSandbox, roughTokens } from '../test/support/agent-fixtures.ts';
import {
  anthropicMessage,
  anthropicPromptBlocks,
  startStrictAnthropicServer,
} from '../test/support/fake-anthropic-server.ts';
import { type FakeReply, type RecordedRequest, startFakeHttpServer } from '../test/support/fake-http-server.ts';
import { openaiCompletion } from '../test/support/fake-openai-server.ts';
import { blockOf, OpenAIPromptCache, type PromptBlock, sharedPrefixTokens } from '../test/support/prompt-cache-sim.ts';

const STEPS = Number(process.env.STEPS ?? 50);
const KEY = 'sk-bench-not-a-real-key-0000000000';
// A system prompt of ~1,500 tokens (a harness with a few skills listed is longer), and ~1 KB tool outputs.
const SYSTEM = `You are a coding agent working in /app. ${'Read the failing test first, change as little as needed, and run the tests again before you finish. '.repeat(56)}`;
const OUTPUT = 'drwxr-xr-x 2 root root 4096 Jan  1 00:00 file\n'.repeat(22);

/** Records every completion a model returns (usage and cost as the provider client computed them). */
class Recording implements Model {
  readonly completions: Completion[] = [];
  constructor(private readonly inner: Model) {}
  get spec() {
    return this.inner.spec;
  }
  get provider() {
    return this.inner.provider;
  }
  get name() {
    return this.inner.name;
  }
  async complete(request: CompletionRequest, signal?: AbortSignal): Promise<Completion> {
    const c = await this.inner.complete(request, signal);
    this.completions.push(c);
    return c;
  }
}

const call = (i: number) => ({ id: `call_${i}`, name: 'echo', input: { text: `ls -la /app/src/${i}` } });

async function session(model: Recording, contextBudgetTokens: number): Promise<void> {
  const harness = makeHarness({
    systemPrompt: SYSTEM,
    tools: [echoTool('echo', async () => ({ output: OUTPUT })), echoTool('note')],
    limits: { maxSteps: STEPS + 1, maxWallSec: 600, maxTotalTokens: 0, commandTimeoutSec: 30 },
    model: { contextBudgetTokens },
  });
  await runAgent({
    harness,
    model,
    instruction: 'The test suite fails: find out why and fix it.',
    sandbox: new RecordingSandbox(),
    trace: new MemoryTrace(),
    countTokens: roughTokens,
  });
}

interface Row {
  run: string;
  requests: number;
  /** Per request after the first: tokens shared with the previous request's prefix / its tokens. */
  stableShares: number[];
  usage: Usage;
  cost: number;
  uncachedCost: number;
}

function row(run: string, spec: string, blocks: PromptBlock[][], model: Recording): Row {
  const stableShares = blocks.slice(1).map((b, i) => {
    const total = b.reduce((a, x) => a + x.tokens, 0);
    return total ? sharedPrefixTokens(blocks[i]!, b) / total : 0;
  });
  const usage = model.completions.reduce((a, c) => addUsage(a, c.usage), ZERO_USAGE);
  const cost = model.completions.reduce((a, c) => a + c.costUsd, 0);
  const uncached = { ...usage, cachedTokens: 0, cacheWriteTokens: 0 };
  return { run, requests: blocks.length, stableShares, usage, cost, uncachedCost: costOf(spec, uncached) };
}

async function anthropicRun(run: string, promptCaching: boolean, budget: number): Promise<Row> {
  const replies: FakeReply[] = Array.from({ length: STEPS - 1 }, (_, i) =>
    anthropicMessage({ text: `step ${i + 1}`, toolUses: [call(i + 1)], output: 40 }),
  );
  replies.push(anthropicMessage({ text: 'Fixed: the test passes now.', output: 20 }));
  const server = await startStrictAnthropicServer(replies);
  try {
    const model = new Recording(
      createAnthropicModel('claude-sonnet-4', {
        env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url },
        stream: false,
        maxRetries: 0,
        promptCaching,
      }),
    );
    await session(model, budget);
    if (server.rejections.length) throw new Error(`the strict fake refused: ${server.rejections[0]}`);
    return row(
      run,
      model.spec,
      server.requests.map((r) => anthropicPromptBlocks(r.body)),
      model,
    );
  } finally {
    await server.close();
  }
}

/** OpenAI's prompt as blocks: the tool list, then each message (the order Chat Completions renders them). */
const openaiPromptBlocks = (body: { tools?: unknown[]; messages?: unknown[] }): PromptBlock[] => [
  ...(body.tools ?? []).map(blockOf),
  ...(body.messages ?? []).map(blockOf),
];

async function openaiRun(run: string, budget: number): Promise<Row> {
  const replies: FakeReply[] = Array.from({ length: STEPS - 1 }, (_, i) => {
    const c = call(i + 1);
    return openaiCompletion({
      content: `step ${i + 1}`,
      toolCalls: [{ id: c.id, name: c.name, arguments: JSON.stringify(c.input) }],
      completion: 40,
    });
  });
  replies.push(openaiCompletion({ content: 'Fixed: the test passes now.', completion: 20 }));
  const cache = new OpenAIPromptCache();
  // The usage a real server would send: the prompt's tokens and the part read from its prefix cache.
  const respond = (request: RecordedRequest, next: () => FakeReply | undefined) => {
    const reply = next();
    if (reply?.kind !== 'json') return reply;
    const body = request.body as { model: string; prompt_cache_key?: string; tools?: unknown[]; messages?: unknown[] };
    const use = cache.use(body.prompt_cache_key ?? body.model, openaiPromptBlocks(body));
    const r = reply.body as { usage: { completion_tokens: number } };
    const usage = {
      prompt_tokens: use.total,
      completion_tokens: r.usage.completion_tokens,
      total_tokens: use.total + r.usage.completion_tokens,
      prompt_tokens_details: { cached_tokens: use.read },
    };
    return { ...reply, body: { ...r, usage } };
  };
  const server = await startFakeHttpServer(replies, '/v1', respond);
  try {
    const model = new Recording(
      createOpenAIModel('gpt-5', {
        env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url },
        stream: false,
        maxRetries: 0,
      }),
    );
    await session(model, budget);
    return row(
      run,
      model.spec,
      server.requests.map((r) => openaiPromptBlocks(r.body)),
      model,
    );
  } finally {
    await server.close();
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const NO_COMPACTION = 1_000_000;
// A budget the session outgrows: the deterministic compaction drops old turns, which rewrites the prefix.
const TIGHT = Number(process.env.TIGHT_BUDGET ?? 12_000);
const rows = [
  await anthropicRun('Anthropic, breakpoints (default)', true, NO_COMPACTION),
  await anthropicRun('Anthropic, caching off', false, NO_COMPACTION),
  await anthropicRun(`Anthropic, breakpoints, compaction at ${TIGHT / 1000}k`, true, TIGHT),
  await openaiRun('OpenAI Chat Completions, automatic', NO_COMPACTION),
  await openaiRun(`OpenAI Chat Completions, compaction at ${TIGHT / 1000}k`, TIGHT),
];

console.log(`prompt cache · ${STEPS}-step scripted session · tokens estimated as chars/4 · node ${process.version}`);
console.log(
  '| run | requests | stable prefix, mean (min) | prompt tokens | cached | written | cache hit rate | cost | cost without cache |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const mean = r.stableShares.reduce((a, b) => a + b, 0) / Math.max(1, r.stableShares.length);
  const min = Math.min(...r.stableShares);
  console.log(
    `| ${r.run} | ${r.requests} | ${pct(mean)} (${pct(min)}) | ${r.usage.promptTokens} | ${r.usage.cachedTokens} | ${r.usage.cacheWriteTokens ?? 0} | ${pct(r.usage.cachedTokens / Math.max(1, r.usage.promptTokens))} | $${r.cost.toFixed(4)} | $${r.uncachedCost.toFixed(4)} |`,
  );
}
