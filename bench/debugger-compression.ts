// The debugger's compression on a generated 100-trial job (50 tasks × 2) whose raw traces total ≥ 10M
// tokens: raw trace tokens → digest tokens (every trial's rendered digest) → overview tokens.
// Target (issue 5): overview ≤ 10K tokens, ≥ 1000× smaller than the raw traces.
//
//   npm run bench -- debugger-compression          (TRIALS=100 TRIAL_STEPS=16 DUMP_BYTES=120000 by default)
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debugJob } from '../src/debugger/debug-job.ts';
import { renderDigest } from '../src/debugger/render-digest.ts';
import { countTokens } from '../src/model/count-tokens.ts';
import { writeSyntheticTrial } from '../test/debugger/synthetic-trial.ts';

const TRIALS = Number(process.env.TRIALS ?? 100);
const STEPS = Number(process.env.TRIAL_STEPS ?? 16);
const DUMP = Number(process.env.DUMP_BYTES ?? 120_000);

/** Tokens of a file, counted in ~1 MB slices cut at line ends (so no token straddles a cut badly). */
async function fileTokens(path: string): Promise<number> {
  let total = 0;
  let carry = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = carry + (chunk as string);
    const cut = text.lastIndexOf('\n') + 1;
    total += countTokens(text.slice(0, cut));
    carry = text.slice(cut);
  }
  return total + (carry ? countTokens(carry) : 0);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

const job = mkdtempSync(join(tmpdir(), 'ahe-bench-compress-'));
try {
  for (let i = 0; i < TRIALS; i++) {
    const task = `task-${String(Math.floor(i / 2)).padStart(3, '0')}`;
    const attempt = (i % 2) + 1;
    const passes = attempt === 1 ? Math.floor(i / 2) % 3 === 0 : Math.floor(i / 2) % 5 === 0;
    writeSyntheticTrial(join(job, `${task}__${attempt}`), {
      steps: STEPS,
      dumpBytes: DUMP,
      seed: 1000 + i,
      task,
      trial: `${task}__${attempt}`,
      reward: passes ? 1 : 0,
    });
  }
  const rawFiles = filesUnder(job);
  const rawBytes = rawFiles.reduce((a, f) => a + statSync(f).size, 0);
  let rawTokens = 0;
  const tokenStart = performance.now();
  for (const f of rawFiles) rawTokens += await fileTokens(f);
  const tokenSec = (performance.now() - tokenStart) / 1000;

  const started = performance.now();
  const result = await debugJob({ jobDir: job, outDir: join(job, 'debug') });
  const debugSec = (performance.now() - started) / 1000;
  const digestTokens = result.digests.reduce((a, d) => a + countTokens(renderDigest(d)), 0);
  const detailTokens = Object.values(result.written.detailTokens).reduce((a, b) => a + b, 0);
  const overview = result.written.overviewTokens;
  const ratio = (a: number, b: number) => `${Math.round(a / b).toLocaleString('en')}×`;
  console.log(
    `${TRIALS} trials, ${(rawBytes / 1e6).toFixed(1)} MB raw (${tokenSec.toFixed(1)} s to count its tokens)\n`,
  );
  console.log('| layer | tokens | vs raw |\n|---|---|---|');
  console.log(`| raw traces (events.jsonl, tool-outputs/, verifier) | ${rawTokens.toLocaleString('en')} | 1× |`);
  console.log(
    `| digests (rendered, all trials) | ${digestTokens.toLocaleString('en')} | ${ratio(rawTokens, digestTokens)} smaller |`,
  );
  console.log(
    `| detail/<task>.md (all tasks) | ${detailTokens.toLocaleString('en')} | ${ratio(rawTokens, detailTokens)} smaller |`,
  );
  console.log(`| overview.md | ${overview.toLocaleString('en')} | ${ratio(rawTokens, overview)} smaller |`);
  console.log(`\nahe debug --no-llm on the job: ${debugSec.toFixed(1)} s`);
} finally {
  rmSync(job, { recursive: true, force: true });
}
