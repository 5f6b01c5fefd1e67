// The CLI starts fast because it loads only what the command needs: `ahe --help`, a command's --help and
// a warm `ahe harness validate` load none of the heavy packages (SDKs, queue, tokenizer, compilers).
// Checked by listing the modules the process loaded (module-trace/), not by timing. And a reader that
// closes the pipe early (`ahe --help | head -1`) ends the process quietly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/ahe.js');
const PRELOAD = fileURLToPath(new URL('./module-trace/preload.mjs', import.meta.url));

/** Packages no command needs to show help, or to validate a harness it validated before (compiled components
 * and schema verdicts are cached by content). */
const HEAVY = [
  'openai',
  '@anthropic-ai/sdk',
  'bullmq',
  'ioredis',
  'gpt-tokenizer',
  'esbuild',
  'ajv',
  'dockerfile-ast',
  'mvdan-sh',
  'execa',
  'simple-git',
  'p-queue',
];

interface Run {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { env?: NodeJS.ProcessEnv; closeStdout?: boolean } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Closing our end at once: the child (still starting node) finds its stdout closed when it writes.
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (exitCode) => done({ exitCode, stdout, stderr }));
  });
}

/** The packages (node_modules/<name>) whose code the `ahe` process loaded. */
async function loadedPackages(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ run: Run; packages: Set<string>; bundled: Set<string> }> {
  const log = join(mkdtempSync(join(tmpdir(), 'ahe-startup-')), 'modules.txt');
  const result = await run(['--import', PRELOAD, BIN, ...args], { env: { ...env, AHE_TEST_MODULE_LOG: log } });
  const packages = new Set<string>();
  const lines = readFileSync(log, 'utf8').split('\n');
  // The hook works: it saw the CLI bundle itself (commander and the other light packages are inside it).
  assert.ok(
    lines.some((l) => l.includes('dist/cli-bundle/main.js')),
    'the module list works: the CLI bundle is seen',
  );
  for (const line of lines) {
    // Reading a package.json (e.g. esbuild's version for a cache key) does not load the package.
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(line);
    if (m && !m[2]!.endsWith('package.json')) packages.add(m[1]!);
  }
  // Packages the bundle carries inside its chunks (commander, zod, yaml…): esbuild marks each module's
  // code with a `// node_modules/<package>/…` line. A chunk loaded at start-up brings all of its modules.
  const bundled = new Set<string>();
  for (const line of lines) {
    const chunk = /(\/[^\s]*dist\/cli-bundle\/[^/\s]+\.js)$/.exec(line.replace(/^file:\/\//, ''))?.[1];
    if (!chunk) continue;
    for (const m of readFileSync(chunk, 'utf8').matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm))
      bundled.add(m[1]!);
  }
  return { run: result, packages, bundled };
}

const heavyIn = (packages: Set<string>) => HEAVY.filter((p) => packages.has(p));

test('ahe --help and every command --help load no SDK, queue, tokenizer or compiler', async () => {
  const top = await loadedPackages(['--help']);
  assert.equal(top.run.exitCode, 0, top.run.stderr);
  assert.match(top.run.stdout, /Usage: ahe/);
  assert.deepEqual(heavyIn(top.packages), []);
  // Of the packages inside the bundle, help needs commander only (zod came in once through a value
  // import of the model layer's types by an option definition).
  assert.deepEqual([...top.bundled], ['commander']);
  for (const command of [
    'run',
    'eval',
    'evolve',
    'debug',
    'worker',
    'tasks check',
    'gc',
    'compare',
    'report',
    'serve',
    'ablate',
    'transfer',
    'simulate',
    'experiments',
  ]) {
    const help = await loadedPackages([...command.split(' '), '--help']);
    assert.equal(help.run.exitCode, 0, `${command} --help: ${help.run.stderr}`);
    assert.deepEqual(heavyIn(help.packages), [], `ahe ${command} --help`);
  }
});

test('ahe harness validate loads the harness layer only; esbuild and ajv only when the cache does not have the answer', async () => {
  const env = { AHE_CACHE_DIR: mkdtempSync(join(tmpdir(), 'ahe-startup-cache-')) };
  const cold = await loadedPackages(['harness', 'validate', 'harnesses/seed'], env);
  assert.equal(cold.run.exitCode, 0, cold.run.stderr);
  assert.match(cold.run.stdout, /^ok: harnesses\/seed/);
  assert.deepEqual(heavyIn(cold.packages), ['esbuild', 'ajv'], 'a cold cache compiles the tool and checks its schema');
  const warm = await loadedPackages(['harness', 'validate', 'harnesses/seed'], env);
  assert.equal(warm.run.exitCode, 0, warm.run.stderr);
  assert.deepEqual(heavyIn(warm.packages), []);
});

test('ahe --help into a closed pipe (ahe --help | head -1) exits 0 without a stack trace', async () => {
  const result = await run([BIN, '--help'], { closeStdout: true });
  assert.equal(result.stderr, '');
  assert.equal(result.exitCode, 0);
});
