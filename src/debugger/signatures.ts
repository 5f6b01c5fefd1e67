// The heuristic floor of the Agent Debugger: every failed trial classified into deterministic failure
// signatures, so a report is useful without any LLM and the analyst gets a skeleton to check. Order
// matters — the first signature is the one a report shows for the trial: causes outside the agent's
// control first (the environment, the verifier), then what went wrong in the steps in step order, then
// how the run ended, then the failing tests, which every failure shares.
import type { DigestStep, Signature, TrialDigest } from './digest.ts';
import { findRepeatedCommandLoops, type LoopOptions } from './loop-signatures.ts';
import { normaliseDetail, normaliseTestName } from './normalise-detail.ts';
import { findOutputSignatures } from './output-signatures.ts';

/** A trial's outcome as every part of a report sees it: passed or not, and a failed trial's signatures. */
export interface ClassifiedTrial {
  task: string;
  trial: string;
  passed: boolean;
  signatures: Signature[];
}

/** A classified trial with the digest it was classified from (for its timeline, stats and analyst text). */
export interface ClassifiedDigest extends ClassifiedTrial {
  digest: TrialDigest;
}

export type Classifier = (digest: TrialDigest) => Signature[];

export interface ClassifyOptions extends LoopOptions {
  /** A run that completed after at most this many commands, with failing tests, stopped early (default 2). */
  fewCommands?: number;
  /** Failing tests reported per trial; the rest are left out (default 20). */
  maxTests?: number;
}

/** Signatures that mean the trial says little about the harness: the agent is not to blame. */
export const NOT_THE_AGENT = new Set([
  'environment',
  'verifier-needs-network',
  'verifier-timeout',
  'no-reward',
  'model-error',
  'exception',
]);
const RUN_END = [
  'repeated-command-loop',
  'context-exhausted',
  'max-steps',
  'agent-timeout',
  'agent-stopped-early',
  'claimed-success',
];

const VERIFIER_OFFLINE =
  /Could not resolve host|Temporary failure in name resolution|Network is unreachable|Failed to establish a new connection|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)/;
const MODEL_TROUBLE = /\bmodel\b|\bAPI\b|rate.?limit|\b429\b|\b5\d\d\b|overloaded|provider|completion/i;
const CLAIMS_SUCCESS =
  /\b(?:done|complete[d]?|success(?:ful(?:ly)?)?|all tests pass(?:ed)?|fixed|implemented|finished|should (?:now )?work|works)\b/i;
const ADMITS_FAILURE =
  /\b(?:could not|couldn't|unable|cannot|can't|failed to|not (?:yet )?(?:complete|done|working|work))\b/i;

/**
 * The text a step's output-signatures are read from; a repeated output is read from the step it repeats
 * (`outputs` maps a step number to its first output: several tool calls of one model call share a number).
 */
function stepText(step: DigestStep, outputs: Map<number, string>): string {
  const output = step.output ?? (step.repeatOf !== undefined ? outputs.get(step.repeatOf) : undefined) ?? '';
  return [output, ...(step.errors ?? []), step.kind === 'error' || step.kind === 'tool' ? (step.text ?? '') : '']
    .filter(Boolean)
    .join('\n');
}

function exceptionSignature(d: TrialDigest, lastStep: number[]): Signature | undefined {
  const { type, message } = d.exception ?? { type: '', message: '' };
  if (!type) return undefined;
  if (type === 'AgentTimeoutError') return undefined; // with the stop reasons below
  if (/^Environment/.test(type) || /environment not satisfiable/i.test(message)) {
    const needs = /needs (.+?), missing\b/.exec(message)?.[1];
    return {
      id: 'environment',
      label: `environment: ${needs ? `needs ${normaliseDetail(needs)}` : type.replace(/Error$/, '')}`,
      steps: [],
    };
  }
  if (type === 'VerifierNeedsNetworkError')
    return { id: 'verifier-needs-network', label: 'verifier needs network', steps: [] };
  if (type === 'VerifierTimeoutError') return { id: 'verifier-timeout', label: 'verifier timeout', steps: [] };
  if (type === 'RewardFileNotFoundError') return { id: 'no-reward', label: 'no reward file', steps: [] };
  if (type === 'AgentError')
    return {
      id: 'model-error',
      label: `model error: ${normaliseDetail(/^(\w+Error)\b/.exec(message)?.[1] ?? type)}`,
      steps: lastStep,
    };
  return { id: 'exception', label: `exception: ${type}`, steps: [] };
}

function runEndSignatures(d: TrialDigest, lastStep: number[], opts: ClassifyOptions): Signature[] {
  const out: Signature[] = [];
  if (d.exception?.type === 'AgentTimeoutError' || d.stopReason === 'timeout')
    out.push({ id: 'agent-timeout', label: 'agent timeout', steps: lastStep });
  const compactions = d.steps.filter((s) => s.kind === 'compaction').map((s) => s.step);
  if (d.stopReason === 'token_budget')
    out.push({
      id: 'context-exhausted',
      label: 'context exhausted: token budget',
      steps: [...compactions, ...lastStep],
    });
  else if (compactions.length)
    out.push({ id: 'context-exhausted', label: 'context exhausted: compacted', steps: compactions });
  if (d.stopReason === 'max_steps') out.push({ id: 'max-steps', label: 'max steps reached', steps: lastStep });
  if (d.stopReason === 'cost_budget') out.push({ id: 'cost-budget', label: 'cost limit reached', steps: lastStep });
  // The model's reply was cut by its output-token limit and carried no tool call: the agent did not choose to stop.
  if (d.stopReason === 'truncated')
    out.push({ id: 'reply-truncated', label: 'reply cut off by the output-token limit', steps: lastStep });
  if (d.stopReason === 'content_filter')
    out.push({ id: 'content-filter', label: "reply stopped by the provider's content filter", steps: lastStep });
  const completed =
    d.stopReason === 'completed' ||
    ((d.stopReason === undefined || d.stopReason === 'unknown') && d.finalMessage !== undefined);
  if (completed && !d.exception) {
    const final = d.finalMessage ?? '';
    if (d.stats.commands <= (opts.fewCommands ?? 2))
      out.push({ id: 'agent-stopped-early', label: 'agent stopped early: few commands', steps: lastStep });
    else if (CLAIMS_SUCCESS.test(final) && !ADMITS_FAILURE.test(final))
      out.push({ id: 'claimed-success', label: 'claimed success unverified', steps: lastStep });
  }
  return out;
}

function verifierSignatures(d: TrialDigest, opts: ClassifyOptions): Signature[] {
  const { failing, summary, excerpt } = d.verifier;
  // Error lines from anywhere in the test output, when the cleaner recorded them (newer digests do).
  const errors = (d.verifier as { errors?: string[] }).errors ?? [];
  if (failing.length)
    return failing
      .slice(0, opts.maxTests ?? 20)
      .map((t) => ({ id: 'test-assertion', label: `test assertion: ${normaliseTestName(t.name)}`, steps: [] }));
  if (VERIFIER_OFFLINE.test([excerpt, ...errors].join('\n')) && d.exception?.type !== 'VerifierNeedsNetworkError')
    return [{ id: 'verifier-needs-network', label: 'verifier needs network', steps: [] }];
  if (summary && summary.failed > 0) return [{ id: 'test-assertion', label: 'test assertion: unnamed', steps: [] }];
  return [];
}

/** Merges findings with the same label (their steps united, in order); keeps first-seen order. */
function mergeByLabel(signatures: readonly Signature[]): Signature[] {
  const merged = new Map<string, Signature>();
  for (const s of signatures) {
    const known = merged.get(s.label);
    if (known) known.steps = [...new Set([...known.steps, ...s.steps])].sort((a, b) => a - b);
    else merged.set(s.label, { ...s, steps: [...new Set(s.steps)].sort((a, b) => a - b) });
  }
  return [...merged.values()];
}

/**
 * Classifies each trial of a job once; the analyst, the report's entries, the clusters and the
 * partial-pass tasks all take their signatures from here, so they cannot disagree.
 */
export function classifyTrials(
  digests: readonly TrialDigest[],
  classify: Classifier = (d) => classifyTrial(d),
): ClassifiedDigest[] {
  return digests.map((digest) => ({
    task: digest.task,
    trial: digest.trial,
    passed: digest.passed,
    signatures: classify(digest),
    digest,
  }));
}

export function classifyTrial(d: TrialDigest, options: ClassifyOptions = {}): Signature[] {
  if (d.passed) return [];
  const outputs = new Map<number, string>();
  for (const s of d.steps) if (s.output !== undefined && !outputs.has(s.step)) outputs.set(s.step, s.output);
  const lastStep = d.steps.length ? [d.steps[d.steps.length - 1]!.step] : [];

  const infra: Signature[] = [];
  const exception = exceptionSignature(d, lastStep);
  if (exception) infra.push(exception);
  const errorSteps = d.steps.filter((s) => s.kind === 'error');
  if (d.stopReason === 'error' || errorSteps.some((s) => MODEL_TROUBLE.test(s.text ?? ''))) {
    const at = errorSteps.length ? errorSteps.map((s) => s.step) : lastStep;
    const type = /^(\w+Error)\b/.exec(errorSteps[0]?.text ?? '')?.[1];
    if (!infra.some((s) => s.id === 'model-error'))
      infra.push({ id: 'model-error', label: `model error${type ? `: ${type}` : ''}`, steps: at });
  }

  const inSteps: Signature[] = [];
  for (const step of d.steps) {
    for (const f of findOutputSignatures(stepText(step, outputs), step)) inSteps.push({ ...f, steps: [step.step] });
    // A middleware that throws is a bug in the harness itself: the evolver's to fix, named so it can.
    const middleware = step.kind === 'error' ? /^middleware (\S+)/.exec(step.text ?? '')?.[1] : undefined;
    if (middleware)
      inSteps.push({
        id: 'middleware-error',
        label: `middleware error: ${normaliseDetail(middleware, 60)}`,
        steps: [step.step],
      });
    if (step.timedOut)
      inSteps.push({
        id: 'command-timeout',
        label: `command timeout: ${normaliseDetail(step.command ?? step.tool ?? 'tool', 60)}`,
        steps: [step.step],
      });
  }
  const firstStepOf = (s: Signature) => s.steps[0] ?? Infinity;
  const stepFound = mergeByLabel(inSteps).sort((a, b) => firstStepOf(a) - firstStepOf(b));

  const runEnd = [...findRepeatedCommandLoops(d.steps, options), ...runEndSignatures(d, lastStep, options)].sort(
    (a, b) => RUN_END.indexOf(a.id) - RUN_END.indexOf(b.id),
  );
  const all = mergeByLabel([...infra, ...stepFound, ...runEnd, ...verifierSignatures(d, options)]);
  if (all.length) return all;
  const why = d.reward === null ? 'no reward' : d.source === 'none' ? 'no agent trace' : undefined;
  return [{ id: 'unknown', label: why ? `unknown: ${why}` : 'unknown', steps: [] }];
}
