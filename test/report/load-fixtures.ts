// Directories the report loaders are tested on, written by the real tools (the built `ahe` binary, the
// offline evolve demo) into temporary directories: an oracle and a noop job, a job whose scripted agent
// writes HTML and script into every field of its trace, a multi-step job, and a 3-iteration evolve run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'ahe.js');

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-report-${prefix}-`));

function run(args: string[], what: string): void {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

export const ahe = (args: string[]) => run([BIN, ...args], `ahe ${args.join(' ')}`);

/** `ahe eval --agent <agent>` on two bundled training tasks. */
export function evalJob(agent: 'oracle' | 'noop', out = join(tmp(agent), 'job')): string {
  ahe(['eval', '--agent', agent, '--tasks', 'tasks/train', '--n-tasks', '2', '--out', out]);
  return out;
}

/** `ahe eval --agent oracle` on the multi-step fixture task (three steps, each with its verifier). */
export function multiStepJob(): string {
  const out = join(tmp('multi-step'), 'job');
  ahe(['eval', '--agent', 'oracle', '--tasks', 'test/fixtures/multi-step', '--out', out]);
  return out;
}

/** Markup a trace may hold; the report passes it on as data, byte for byte. */
export const HOSTILE = {
  text: '<script>window.__pwned = 1</script> let me look',
  reasoning: '<img src=x onerror="window.__pwned=2">',
  output: '<script>window.__pwned = 3</script>',
  final: 'Done </script><script>window.__pwned = 4</script>',
};

/** A harness agent (scripted model) whose message, reasoning, tool output and final answer are hostile markup. */
export function hostileJob(): string {
  const dir = tmp('hostile');
  const script = join(dir, 'hostile.yaml');
  writeFileSync(
    script,
    `name: hostile
turns:
  - reply:
      content: ${JSON.stringify(HOSTILE.text)}
      reasoning: ${JSON.stringify(HOSTILE.reasoning)}
      tool_calls:
        - name: run_shell_command
          arguments: { command: ${JSON.stringify(`echo '${HOSTILE.output}'`)} }
  - reply:
      content: ${JSON.stringify(HOSTILE.final)}
`,
  );
  const out = join(dir, 'job');
  ahe([
    'eval',
    '--agent',
    'harness',
    '--harness',
    'harnesses/seed',
    '--model',
    `scripted:${script}`,
    '--tasks',
    'tasks/train',
    '--task',
    'csv-region-totals',
    '--out',
    out,
  ]);
  return out;
}

/** The offline evolve demo (3 iterations on scripted models): returns its run directory. */
export function demoRun(): string {
  const out = tmp('evolve-demo');
  run(['--import', 'tsx', join(ROOT, 'examples', 'evolve-demo', 'run-demo.ts'), out], 'the evolve demo');
  return join(out, 'run');
}

/** A copy of a directory in a new temporary directory. */
export function copyOf(dir: string, name = 'copy'): string {
  const to = join(tmp(name), name);
  cpSync(dir, to, { recursive: true });
  return to;
}
