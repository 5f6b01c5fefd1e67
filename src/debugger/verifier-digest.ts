// The verifier's side of a Harbor trial: what the tests said (ctrf.json best, else pytest-style stdout),
// a short excerpt of their output, and the reward file. Missing files are normal (a verifier that never
// ran); unreadable ones are problems.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readCtrf } from './ctrf.ts';
import type { VerifierDigest } from './digest.ts';
import { streamFile } from './read-lines.ts';
import { createTestOutputReader, type TestOutputReading } from './test-output.ts';

const MAX_JSON_BYTES = 50 * 1024 * 1024;

export interface VerifierReading {
  verifier: VerifierDigest;
  /** From verifier/reward.txt or reward.json, when present and readable. */
  reward?: number;
  sourceFiles: string[];
  rawBytes: number;
  problems: string[];
}

/** Streams one test output file into the reader: a tests.log, a test pane, test-stdout.txt. */
export async function readTestOutputFile(path: string): Promise<TestOutputReading & { bytes: number }> {
  const reader = createTestOutputReader();
  const bytes = await streamFile(path, (chunk) => reader.push(chunk));
  return { ...reader.end(), bytes };
}

export function verifierFromTestOutput(reading: TestOutputReading): VerifierDigest {
  return {
    failing: reading.failing,
    excerpt: reading.cleaned.text,
    ...(reading.summary ? { summary: reading.summary } : {}),
    ...(reading.cleaned.errors.length ? { errors: reading.cleaned.errors } : {}),
  };
}

function readReward(dir: string, problems: string[]): { reward?: number; file?: string; bytes: number } {
  for (const name of ['reward.json', 'reward.txt']) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    const bytes = statSync(path).size;
    const text = readFileSync(path, 'utf8').trim();
    let value: unknown = text;
    if (name === 'reward.json') {
      try {
        value = JSON.parse(text);
      } catch {
        problems.push(`verifier/${name}: not valid JSON`);
        continue;
      }
      if (value && typeof value === 'object') {
        const o = value as Record<string, unknown>;
        value = 'reward' in o ? o.reward : Object.keys(o).length === 1 ? Object.values(o)[0] : undefined;
      }
    }
    const reward = typeof value === 'number' ? value : Number(value);
    if (value === undefined || value === '' || !Number.isFinite(reward)) {
      problems.push(`verifier/${name}: no numeric reward`);
      continue;
    }
    return { reward, file: `verifier/${name}`, bytes };
  }
  return { bytes: 0 };
}

export async function readVerifier(trialDir: string): Promise<VerifierReading> {
  const dir = join(trialDir, 'verifier');
  const out: VerifierReading = { verifier: { failing: [], excerpt: '' }, sourceFiles: [], rawBytes: 0, problems: [] };
  if (!existsSync(dir)) return out;
  const stdout = join(dir, 'test-stdout.txt');
  if (existsSync(stdout)) {
    const reading = await readTestOutputFile(stdout);
    out.verifier = verifierFromTestOutput(reading);
    out.sourceFiles.push('verifier/test-stdout.txt');
    out.rawBytes += reading.bytes;
  }
  const ctrfPath = join(dir, 'ctrf.json');
  if (existsSync(ctrfPath)) {
    const bytes = statSync(ctrfPath).size;
    out.rawBytes += bytes;
    out.sourceFiles.push('verifier/ctrf.json');
    let ctrf: ReturnType<typeof readCtrf> = null;
    if (bytes > MAX_JSON_BYTES) out.problems.push(`verifier/ctrf.json: ${bytes} bytes, too large to read`);
    else {
      try {
        ctrf = readCtrf(JSON.parse(readFileSync(ctrfPath, 'utf8')));
        if (!ctrf) out.problems.push('verifier/ctrf.json: not a CTRF report (no results.tests)');
      } catch (error) {
        out.problems.push(`verifier/ctrf.json: not valid JSON (${(error as Error).message})`);
      }
    }
    if (ctrf) {
      out.verifier.failing = ctrf.failing;
      if (ctrf.summary) out.verifier.summary = ctrf.summary;
    }
  }
  const reward = readReward(dir, out.problems);
  if (reward.file) {
    out.sourceFiles.push(reward.file);
    out.rawBytes += reward.bytes;
    out.reward = reward.reward;
  }
  return out;
}
