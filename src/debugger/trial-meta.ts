// The trial's identity and outcome from its result.json (ahe's or any Harbor tool's): task, trial,
// reward, exception, usage. A missing or malformed result.json is a problem, not a stop: the task and
// trial names then come from the directory name (`<task>__<suffix>`).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { trialReward } from '../bench/job-summary.ts';
import { TrialResultReadSchema } from '../bench/trial-result.ts';
import { cutText } from './agent-evidence.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export interface TrialMeta {
  task: string;
  trial: string;
  reward: number | null;
  exception?: { type: string; message: string };
  verifierExitCode?: number | null;
  stopReason?: string;
  tokens?: { prompt: number; completion: number; cached: number };
  costUsd?: number;
  durationSec?: number;
  /** Whether a result.json was read. */
  found: boolean;
  sourceFiles: string[];
  rawBytes: number;
  problems: string[];
}

function namesFromDir(dir: string): { task: string; trial: string } {
  const trial = basename(dir);
  const task = trial.includes('__') ? trial.slice(0, trial.lastIndexOf('__')) : trial.replace(/\.\d+-of-\d+.*$/, '');
  return { task, trial };
}

function exceptionFromText(path: string): { type: string; message: string } | undefined {
  const last = readFileSync(path, 'utf8').trim().split('\n').pop() ?? '';
  const m = /^([\w.]+(?:Error|Exception|Timeout\w*)):?\s*(.*)$/.exec(last);
  return m
    ? { type: m[1]!.split('.').pop()!, message: cutText(m[2]!, 500) }
    : last
      ? { type: 'Exception', message: cutText(last, 500) }
      : undefined;
}

export function readTrialMeta(trialDir: string): TrialMeta {
  const meta: TrialMeta = {
    ...namesFromDir(trialDir),
    reward: null,
    found: false,
    sourceFiles: [],
    rawBytes: 0,
    problems: [],
  };
  const path = join(trialDir, 'result.json');
  if (!existsSync(path)) {
    const exc = join(trialDir, 'exception.txt');
    if (existsSync(exc)) meta.exception = exceptionFromText(exc);
    return meta;
  }
  meta.rawBytes = statSync(path).size;
  meta.sourceFiles.push('result.json');
  let raw: Obj;
  try {
    raw = obj(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    meta.problems.push(`result.json: not valid JSON (${(error as Error).message})`);
    return meta;
  }
  // `ahe run --out DIR` leaves a session result.json (status, steps…), not a trial's: nothing to take from it.
  if (!['task_name', 'trial_name', 'verifier_result', 'agent_result'].some((k) => k in raw)) return meta;
  meta.found = true;
  const parsed = TrialResultReadSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    meta.problems.push(`result.json: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (typeof raw.task_name === 'string') meta.task = raw.task_name;
  if (typeof raw.trial_name === 'string') meta.trial = raw.trial_name;
  const rewards = obj(obj(raw.verifier_result).rewards);
  meta.reward = trialReward({
    verifier_result: { rewards: Object.fromEntries(Object.entries(rewards).map(([k, v]) => [k, num(v) ?? null])) },
  });
  const exc = obj(raw.exception_info);
  if (typeof exc.exception_type === 'string')
    meta.exception = { type: exc.exception_type, message: cutText(String(exc.exception_message ?? ''), 500) };
  const agent = obj(raw.agent_result);
  const tokens = {
    prompt: num(agent.n_input_tokens) ?? 0,
    completion: num(agent.n_output_tokens) ?? 0,
    cached: num(agent.n_cache_tokens) ?? 0,
  };
  if (tokens.prompt + tokens.completion > 0) meta.tokens = tokens;
  if (num(agent.cost_usd)) meta.costUsd = num(agent.cost_usd);
  const span = obj(raw.agent_execution);
  const seconds = (Date.parse(String(span.finished_at)) - Date.parse(String(span.started_at))) / 1000;
  if (Number.isFinite(seconds) && seconds >= 0) meta.durationSec = seconds;
  const ahe = obj(raw.ahe);
  if (typeof ahe.verifier_exit_code === 'number' || ahe.verifier_exit_code === null)
    meta.verifierExitCode = ahe.verifier_exit_code as number | null;
  if (typeof ahe.stop_reason === 'string') meta.stopReason = ahe.stop_reason;
  return meta;
}
