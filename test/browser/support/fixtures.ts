// What the browser tests open, written by the real tools (the built `ahe` binary and the offline evolve
// demo) into temporary directories: an oracle and a noop job on bundled tasks, an `ahe debug` output, the
// demo's evolve run, and a job whose trace, verifier output and task name carry script payloads.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'ahe.js');

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `ahe-browser-${prefix}-`));

function run(args: string[], what: string, timeout = 600_000): string {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export const ahe = (args: string[]) => run([BIN, ...args], `ahe ${args.join(' ')}`);

/** `ahe eval --agent <agent>` on three bundled training tasks. */
export function evalJob(agent: 'oracle' | 'noop', out = join(tmp(agent), 'job')): string {
  ahe(['eval', '--agent', agent, '--tasks', 'tasks/train', '--n-tasks', '3', '--out', out]);
  return out;
}

/** `ahe debug JOB --out DIR` (heuristic, no model). */
export function debugOutput(job: string, out = join(tmp('debug'), 'debug')): string {
  ahe(['debug', job, '--no-llm', '--all', '--out', out, '--quiet']);
  return out;
}

/** The offline evolve demo (3 iterations on scripted models, six bundled tasks): its run directory. */
export function demoRun(out = tmp('evolve-demo')): string {
  run(['--import', 'tsx', join(ROOT, 'examples', 'evolve-demo', 'run-demo.ts'), out], 'the evolve demo', 900_000);
  return join(out, 'run');
}

/** `ahe report PATH… --out FILE`: the file written. */
export function writeReport(paths: string[], out: string): string {
  ahe(['report', ...paths, '--out', out, '--quiet']);
  return out;
}

/** A copy of a directory in a new temporary directory. */
export function copyOf(dir: string, name = 'copy'): string {
  const to = join(tmp(name), name);
  cpSync(dir, to, { recursive: true });
  return to;
}

/** Markup that would run if anything from a trace reached the page as HTML: each sets window.__pwned. */
export const PAYLOADS = {
  script: '<script>window.__pwned=1</script>',
  img: '<img src=x onerror="window.__pwned=1">',
  svg: '"><svg onload="window.__pwned=1">',
  link: 'javascript:window.__pwned=1',
};
const ALL = `${PAYLOADS.script} ${PAYLOADS.img} ${PAYLOADS.svg} [docs](${PAYLOADS.link}) ${PAYLOADS.link}`;

/** The hostile job's task name as its result.json says (the trial directory keeps its real name). */
export const HOSTILE_TASK = `csv-region-totals${PAYLOADS.svg}${PAYLOADS.img}`;
export const HOSTILE_TRIAL = 'csv-region-totals__1';

/**
 * A harness agent on a scripted model whose message, reasoning, tool call and tool output carry every
 * payload; then, as another writer could, the trial's task name and verifier output are given them too.
 */
export function hostileJob(): string {
  const dir = tmp('hostile');
  const script = join(dir, 'hostile.yaml');
  writeFileSync(
    script,
    `name: hostile
turns:
  - reply:
      content: ${JSON.stringify(`look ${ALL}`)}
      reasoning: ${JSON.stringify(`think ${ALL}`)}
      tool_calls:
        - name: run_shell_command
          arguments: { command: ${JSON.stringify(`echo '${PAYLOADS.script}'; echo '${PAYLOADS.img}'; echo '${PAYLOADS.svg}'`)} }
  - reply:
      content: ${JSON.stringify(`Done </script>${ALL}`)}
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
  const trial = join(out, HOSTILE_TRIAL);
  const result = JSON.parse(readFileSync(join(trial, 'result.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(trial, 'result.json'), JSON.stringify({ ...result, task_name: HOSTILE_TASK }, null, 2));
  const stdout = join(trial, 'verifier', 'test-stdout.txt');
  writeFileSync(stdout, `${readFileSync(stdout, 'utf8')}\nFAILED test_payload - ${ALL}\n`);
  return out;
}

/** Starts `ahe serve DIR --port 0` and resolves with its URL (parsed from what it prints) and the process. */
export function startServe(dir: string): Promise<{ url: string; stop: () => void; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`ahe serve printed no URL within 30 s:\n${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /https?:\/\/[^\s/]+(?::\d+)?/.exec(out)?.[0];
      if (url) {
        clearTimeout(timer);
        resolve({ url, stop, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ahe serve exited (${code}) before printing a URL:\n${out}`));
    });
  });
}
