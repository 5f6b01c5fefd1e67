// read_trace: the evolve agent's drill-down into the raw traces of the training job, the same views
// `ahe debug show` prints (show-evidence.ts) — a task's attempts, one trial's digest or raw files, a
// range of steps cleaned or exactly as the trace holds them. Read-only, and limited like read_evidence
// to the training tasks: a held-out task (or any name that is not a training task) is refused before
// anything is read, so held-out traces never reach the evolve agent.
import { existsSync } from 'node:fs';
import { showStep, showTask, showTrial } from '../debugger/show-evidence.ts';

export interface ReadTraceRequest {
  task: string;
  /** 1-based attempt index or the trial's name; required for steps. */
  trial?: string | number;
  /** One step (7) or a range ("5-9"); at most MAX_STEPS steps at once. */
  steps?: string | number;
  /** Exactly what the trace holds (full outputs) instead of the cleaned digest. */
  raw?: boolean;
}

export interface ReadTraceScope {
  /** The training job of this iteration (RUN/iterations/N/job). */
  jobDir: string;
  /** Where the debugger's report is (RUN/iterations/N/debug), for a task's analysis. */
  reportDir: string;
  trainTasks: ReadonlySet<string>;
}

const MAX_STEPS = 20;

function stepRange(steps: string | number): [number, number] | string {
  const m = /^\s*(\d+)\s*(?:(?:-|\.\.|…)\s*(\d+))?\s*$/.exec(String(steps));
  if (!m) return `steps: ${JSON.stringify(steps)} is not a step number or a range like "5-9"`;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (to < from) return `steps: ${from}-${to} is an empty range`;
  if (to - from + 1 > MAX_STEPS) return `steps: at most ${MAX_STEPS} steps at once (asked ${to - from + 1})`;
  return [from, to];
}

/** The text the agent sees, or why not; never throws for a bad request. */
export async function readTrace(
  scope: ReadTraceScope,
  request: ReadTraceRequest,
): Promise<{ ok: boolean; text: string }> {
  const task = String(request.task ?? '').trim();
  if (!scope.trainTasks.has(task))
    return {
      ok: false,
      text: `refused: ${JSON.stringify(task)} is not a training task — only training traces may be read (training tasks: ${[...scope.trainTasks].join(', ')})`,
    };
  if (!existsSync(scope.jobDir)) return { ok: false, text: 'no training job of this iteration to read traces from' };
  const trial = request.trial === undefined || request.trial === '' ? undefined : String(request.trial);
  try {
    if (request.steps !== undefined && request.steps !== '') {
      if (!trial) return { ok: false, text: 'steps need a trial (1-based attempt index or its name)' };
      const range = stepRange(request.steps);
      if (typeof range === 'string') return { ok: false, text: range };
      const out: string[] = [];
      for (let step = range[0]; step <= range[1]; step++) {
        try {
          out.push(await showStep(scope.jobDir, task, trial, step, { raw: request.raw }));
        } catch (error) {
          // A range past the last step ends there; a first step that does not exist says which do.
          if (step === range[0]) throw error;
          break;
        }
      }
      return { ok: true, text: out.join('\n\n') };
    }
    if (trial) return { ok: true, text: await showTrial(scope.jobDir, task, trial, { raw: request.raw }) };
    return {
      ok: true,
      text: (await showTask(scope.jobDir, task, scope.reportDir)).replace(
        /\nmore: ahe debug show .*$/,
        '\nmore: read_trace with trial (1-based attempt index), then steps ("5-9") and raw: true for exact outputs',
      ),
    };
  } catch (error) {
    return { ok: false, text: (error as Error).message };
  }
}
