// A Terminal-Bench 1 run trial (`<task>/<task>.1-of-1.<run>/`): results.json for the outcome, the agent's
// terminal recording (sessions/*.cast with timing, else sessions/*.log, else the final pane) cut into
// command steps at the shell prompts, commands.txt when nothing was recorded, and the tests' terminal
// output for the verifier side.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentEvidence, cutText, type NoEvidence } from './agent-evidence.ts';
import { streamCast } from './asciinema.ts';
import type { FailingTest } from './digest.ts';
import { streamFile } from './read-lines.ts';
import { tidyCommand } from './shell-command.ts';
import { createStepList, type StepList } from './step-list.ts';
import { STEP_OUTPUT_BUDGET } from './step-output.ts';
import { createTerminalLineSplitter } from './terminal-lines.ts';
import { createTerminalSession } from './terminal-session.ts';
import { createTestOutputReader } from './test-output.ts';
import { verifierFromTestOutput } from './verifier-digest.ts';

type Obj = Record<string, unknown>;
/** An installed agent's whole episode is the output of one command: it gets a log's budget, not a tool output's. */
const AGENT_RUN_BUDGET = {
  ...STEP_OUTPUT_BUDGET,
  headLines: 40,
  headChars: 4000,
  tailLines: 120,
  tailChars: 12_000,
  errors: { maxEntries: 20, maxTracebackLines: 40 },
};
const FAILURE_MODES: Record<string, string> = {
  agent_timeout: 'the agent ran out of time',
  test_timeout: 'the tests ran out of time',
  parse_error: 'the test output could not be parsed',
};

export function isTb1Trial(trialDir: string): boolean {
  const results = join(trialDir, 'results.json');
  if (existsSync(join(trialDir, 'result.json'))) return false;
  if (existsSync(results)) {
    try {
      return 'is_resolved' in (JSON.parse(readFileSync(results, 'utf8')) as Obj);
    } catch {
      return /\.\d+-of-\d+/.test(trialDir);
    }
  }
  return existsSync(join(trialDir, 'sessions')) || existsSync(join(trialDir, 'panes'));
}

const files = (dir: string, ext: string, tests: boolean) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(ext) && f.startsWith('tests') === tests)
        .sort()
        .map((f) => join(dir, f))
    : [];

/** Streams a recording (cast, log or pane) into `onText(text, time?)`; returns its bytes and problems. */
async function streamRecording(
  path: string,
  label: string,
  onText: (text: string, time?: number) => void,
): Promise<{ bytes: number; problems: string[] }> {
  if (path.endsWith('.cast')) {
    const reading = await streamCast(path, label, onText);
    return { bytes: statSync(path).size, problems: reading.problems };
  }
  const decoder = new TextDecoder();
  const bytes = await streamFile(path, (chunk) => onText(decoder.decode(chunk, { stream: true })));
  onText(decoder.decode());
  return { bytes, problems: [] };
}

/** commands.txt: one Python list per line, `['make test', 'Enter']`. */
function readCommands(path: string, list: StepList) {
  const literal = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;
  const unescapeText = (s: string) => s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .forEach((line, i) => {
      const keys = [...line.matchAll(literal)].map((m) => unescapeText(m[1] ?? m[2] ?? ''));
      const command = tidyCommand(keys.filter((k) => k !== 'Enter').join(''));
      list.push({ step: i + 1, kind: 'command', tool: 'keystrokes', command });
    });
}

export async function readTb1(trialDir: string): Promise<AgentEvidence | NoEvidence> {
  const problems: string[] = [];
  const sourceFiles: string[] = [];
  let rawBytes = 0;
  let results: Obj = {};
  const resultsPath = join(trialDir, 'results.json');
  if (existsSync(resultsPath)) {
    rawBytes += statSync(resultsPath).size;
    sourceFiles.push('results.json');
    try {
      results = JSON.parse(readFileSync(resultsPath, 'utf8')) as Obj;
    } catch (error) {
      problems.push(`results.json: not valid JSON (${(error as Error).message})`);
    }
  }

  const list = createStepList();
  // The command that launched the agent carries the instruction (`mini -t '…'`, `openhands --task '…'`).
  const marker =
    typeof results.instruction === 'string'
      ? results.instruction
          .trim()
          .split(/['"\n]/)[0]!
          .slice(0, 24)
      : '';
  const budgetFor = (command: string | undefined) =>
    marker.length >= 8 && command?.includes(marker) ? AGENT_RUN_BUDGET : STEP_OUTPUT_BUDGET;
  const recording = [
    ...files(join(trialDir, 'sessions'), '.cast', false),
    ...files(join(trialDir, 'sessions'), '.log', false),
    join(trialDir, 'panes', 'post-agent.txt'),
  ].find((p) => existsSync(p));
  if (recording) {
    const label = recording.slice(trialDir.length + 1);
    const session = createTerminalSession(list, budgetFor);
    let now: number | undefined;
    let lineStart: number | undefined;
    const splitter = createTerminalLineSplitter((line, rawChars) => {
      session.line(line, rawChars, now === undefined ? undefined : { start: lineStart ?? now, end: now });
      lineStart = now;
    });
    const read = await streamRecording(recording, label, (text, time) => {
      now = time;
      lineStart ??= time;
      splitter.push(text);
      if (text.endsWith('\n')) lineStart = undefined;
    });
    splitter.end();
    session.end(now);
    rawBytes += read.bytes;
    sourceFiles.push(label);
    problems.push(...read.problems);
  } else if (existsSync(join(trialDir, 'commands.txt'))) {
    readCommands(join(trialDir, 'commands.txt'), list);
    rawBytes += statSync(join(trialDir, 'commands.txt')).size;
    sourceFiles.push('commands.txt');
  }

  const testsPath = [
    ...files(join(trialDir, 'sessions'), '.cast', true),
    ...files(join(trialDir, 'sessions'), '.log', true),
    join(trialDir, 'panes', 'post-test.txt'),
  ].find((p) => existsSync(p));
  let verifier: AgentEvidence['verifier'];
  if (testsPath) {
    const label = testsPath.slice(trialDir.length + 1);
    const reader = createTestOutputReader();
    const read = await streamRecording(testsPath, label, (text) => reader.push(text));
    rawBytes += read.bytes;
    sourceFiles.push(label);
    problems.push(...read.problems);
    verifier = verifierFromTestOutput(reader.end());
  }
  verifier = withParserResults(verifier ?? { failing: [], excerpt: '' }, results.parser_results);

  if (!recording && list.steps.length === 0 && Object.keys(results).length === 0)
    return { problems, sourceFiles, rawBytes };
  const mode =
    typeof results.failure_mode === 'string' && !['unset', 'none', ''].includes(results.failure_mode)
      ? results.failure_mode
      : undefined;
  const started = Date.parse(String(results.agent_started_at ?? ''));
  const ended = Date.parse(String(results.agent_ended_at ?? ''));
  const inTokens = Number(results.total_input_tokens) || 0;
  const outTokens = Number(results.total_output_tokens) || 0;
  return {
    source: 'tb1',
    sourceFiles,
    rawBytes,
    steps: list.steps,
    problems,
    ...(typeof results.instruction === 'string' ? { instruction: results.instruction } : {}),
    stopReason: mode === 'agent_timeout' ? 'timeout' : 'unknown',
    ...(inTokens + outTokens > 0 ? { tokens: { prompt: inTokens, completion: outTokens, cached: 0 } } : {}),
    ...(Number.isFinite(started) && Number.isFinite(ended) ? { durationSec: (ended - started) / 1000 } : {}),
    outcome: {
      ...(typeof results.task_id === 'string' ? { task: results.task_id } : {}),
      ...(typeof results.trial_name === 'string' ? { trial: results.trial_name } : {}),
      reward: results.is_resolved === true ? 1 : results.is_resolved === false ? 0 : null,
      ...(mode
        ? { exception: { type: mode, message: cutText(FAILURE_MODES[mode] ?? `failure mode ${mode}`, 300) } }
        : {}),
    },
    verifier,
  };
}

/** results.json `parser_results {test: passed|failed}`: the authoritative list of what failed. */
function withParserResults(
  verifier: NonNullable<AgentEvidence['verifier']>,
  parserResults: unknown,
): NonNullable<AgentEvidence['verifier']> {
  if (!parserResults || typeof parserResults !== 'object') return verifier;
  const entries = Object.entries(parserResults as Obj);
  const failedNames = entries.filter(([, v]) => v !== 'passed').map(([k]) => k);
  const failing: FailingTest[] = failedNames.map(
    (name) => verifier.failing.find((f) => f.name === name || f.name.endsWith(`::${name}`)) ?? { name, message: '' },
  );
  const passed = entries.length - failedNames.length;
  return {
    ...verifier,
    failing,
    summary: verifier.summary ?? { tests: entries.length, passed, failed: failedNames.length },
  };
}
