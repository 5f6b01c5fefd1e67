// What one source of agent evidence (ahe events, an ATIF trajectory, a Terminal-Bench 1 terminal, agent
// logs) yields for a digest. digestTrial tries the sources best-first and takes the first that yields.
import type { DigestSource, DigestStep, VerifierDigest } from './digest.ts';

export interface AgentEvidence {
  source: DigestSource;
  /** Files read, relative to the trial directory. */
  sourceFiles: string[];
  rawBytes: number;
  steps: DigestStep[];
  problems: string[];
  instruction?: string;
  finalMessage?: string;
  stopReason?: string;
  /** Model calls the agent made, when the source knows. */
  agentSteps?: number;
  tokens?: { prompt: number; completion: number; cached: number };
  costUsd?: number;
  durationSec?: number;
  /** Terminal-Bench 1 trials carry their own outcome and test output. */
  outcome?: { task?: string; trial?: string; reward: number | null; exception?: { type: string; message: string } };
  verifier?: VerifierDigest;
}

/** A source that does not apply, or failed: its problems are kept and the next source is tried. */
export interface NoEvidence {
  problems: string[];
  sourceFiles: string[];
  rawBytes: number;
}

export const cutText = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max)} …[+${text.length - max} chars]`;
