// The Agent Debugger's unit of evidence: one trial reduced to what explains its outcome. Built by the
// cleaner (deterministic, streaming) from whatever the trial left — ahe's events.jsonl, an ATIF
// trajectory of any writer, agent logs, Terminal-Bench 1 panes — plus the verifier's output. The
// signatures, the analyst and the reports all read digests, never raw traces.

export const DIGEST_VERSION = 1;

/** Where a trial's agent evidence came from, best first. */
export type DigestSource = 'ahe-events' | 'atif' | 'agent-logs' | 'tb1' | 'none';

export interface DigestStep {
  /** Step number as the trace numbers it (ahe: model call index; ATIF: step_id); stable for `debug show --step`. */
  step: number;
  kind: 'command' | 'tool' | 'message' | 'error' | 'compaction' | 'subagent';
  /** Tool name, for command/tool steps. */
  tool?: string;
  /** The shell command, when the tool ran one (run_shell_command, bash, terminal, execute…). */
  command?: string;
  /** Other tool arguments, compact JSON, cut to a few hundred characters. */
  args?: string;
  exitCode?: number | null;
  durationMs?: number;
  timedOut?: boolean;
  /** The cleaned output: ANSI stripped, redraws collapsed, repeats folded, head + tail kept. */
  output?: string;
  /** Size of the raw output in bytes (before cleaning; the full output when the trace kept it). */
  outputBytes?: number;
  /** This output is identical to the output of that earlier step (then `output` is omitted). */
  repeatOf?: number;
  /** Error lines and tracebacks found in the output, verbatim (capped). */
  errors?: string[];
  /** The agent's text at this step (assistant message, or the error message of kind 'error'), cut. */
  text?: string;
  /** The tool result was an error (non-zero exit, tool failure, invalid arguments). */
  isError?: boolean;
  /** Set on a step a sub-agent took: the sub-agent's name. Its `step` is the parent's step (the `agent` call). */
  subagent?: string;
  /**
   * In a multi-step trial, where the trace of this step is: the step's directory in the trial
   * (`steps/<name>`) and the step as that trace numbers it (`step` runs on across the task's steps).
   */
  origin?: { dir: string; step: number };
}

export interface FailingTest {
  name: string;
  /** The assertion message or the first lines of the failure, cut. */
  message: string;
}

export interface VerifierDigest {
  exitCode?: number | null;
  /** From ctrf.json when present, else parsed from pytest-style output. */
  summary?: { tests: number; passed: number; failed: number; skipped?: number };
  failing: FailingTest[];
  /** Cleaned tail/excerpt of test-stdout.txt around the failures. */
  excerpt: string;
  /** Error lines and tracebacks anywhere in the test output (verbatim, capped), e.g. a test runner that could not start. */
  errors?: string[];
}

export interface TrialDigest {
  version: typeof DIGEST_VERSION;
  task: string;
  trial: string;
  /** The trial directory (absolute). */
  dir: string;
  source: DigestSource;
  /** Files the digest was built from, relative to the trial directory. */
  sourceFiles: string[];
  reward: number | null;
  passed: boolean;
  exception?: { type: string; message: string };
  /** How the agent stopped: completed, timeout, max_steps, token_budget, error, aborted, or unknown. */
  stopReason?: string;
  instruction?: string;
  finalMessage?: string;
  steps: DigestStep[];
  verifier: VerifierDigest;
  stats: {
    /** Bytes of every source file read. */
    rawBytes: number;
    /** Bytes of this digest rendered as text (renderDigest). */
    digestBytes: number;
    steps: number;
    commands: number;
    errors: number;
    tokens?: { prompt: number; completion: number; cached: number };
    costUsd?: number;
    durationSec?: number;
  };
  /** Problems met while reading (a torn line, an unreadable trajectory): reported, never fatal. */
  problems: string[];
}

/** A failure signature found by the heuristic floor (signatures.ts). */
export interface Signature {
  /** Stable id, e.g. `timeout`, `command-not-found`, `missing-dependency`, `test-assertion`. */
  id: string;
  /** Human label with the specific detail, e.g. `command not found: pytest`. */
  label: string;
  /** Where it shows: step numbers of the trial. */
  steps: number[];
}
