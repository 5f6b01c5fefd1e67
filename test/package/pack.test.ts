// ahe as a package others install: `npm pack` the repository, install the tarball into a fresh project
// (from the npm cache, as after `npm ci`), and run there exactly what docs/library.md shows — the
// examples/library/*.mjs files, on scripted models — plus the subpath exports, the `ahe` binary without
// tsx, and a TypeScript consumer checked against the shipped declarations with skipLibCheck off.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as {
  version: string;
};
const noBwrap = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
// Packing builds, installing unpacks every dependency: minutes on a loaded machine, not seconds.
const SLOW = { timeout: 15 * 60_000 };

let temp = '';
let project = '';
let env: NodeJS.ProcessEnv = {};

function run(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(
    r.status,
    0,
    `${command} ${args.join(' ')} exited ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
  );
  return r.stdout;
}
const example = (name: string, ...args: string[]) => run('node', [join('examples', name), ...args], project);
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

it('docs/library.md shows every example file verbatim (the code the tests below run)', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'library.md'), 'utf8');
  const dir = join(ROOT, 'examples', 'library');
  for (const name of readdirSync(dir)) {
    const lang = name.endsWith('.mjs') ? 'js' : 'yaml';
    const block = `\`\`\`${lang}\n${readFileSync(join(dir, name), 'utf8')}\`\`\``;
    assert.ok(doc.includes(block), `docs/library.md has examples/library/${name} in a \`\`\`${lang} block`);
  }
});

describe('the packed package, installed into a fresh project', SLOW, () => {
  before(() => {
    temp = mkdtempSync(join(tmpdir(), 'ahe-pack-'));
    project = join(temp, 'consumer');
    // Only the installed package may serve the examples: no tsx loader, and a cache of its own.
    env = { ...process.env, AHE_CACHE_DIR: join(temp, 'cache') };
    delete env.NODE_OPTIONS;
    // Pack what `npm test` has just built (its first step), without running `prepare` again: a rebuild here would
    // replace dist/ under the CLI tests that run beside this one.
    for (const built of ['dist/index.js', 'dist/index.d.ts', 'dist/cli-bundle/main.js'])
      assert.ok(existsSync(join(ROOT, built)), `${built} is missing: run npm run build first`);
    run('npm', ['pack', '--ignore-scripts', '--pack-destination', temp, '--silent'], ROOT);
    const tarball = readdirSync(temp).find((f) => f.endsWith('.tgz'));
    assert.equal(tarball, `ahe-${pkg.version}.tgz`);

    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run(
      'npm',
      [
        'install',
        join(temp, tarball),
        `@types/node@${typesNode.version}`,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
      ],
      project,
    );
    cpSync(join(ROOT, 'examples', 'library'), join(project, 'examples'), { recursive: true });
  }, SLOW);

  after(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('ships the compiled code with declarations, the bundled harnesses and tasks, and no tests or build cache', () => {
    const installed = join(project, 'node_modules', 'ahe');
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/harness/types.d.ts',
      'dist/cli/main.js',
      'harnesses/seed/harness.yaml',
      'harnesses/evolver/harness.yaml',
      'tasks/train/top-words/task.toml',
      'CHANGELOG.md',
    ])
      assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
    assert.equal(existsSync(join(installed, 'test')), false);
    assert.equal(existsSync(join(installed, 'dist', '.tsbuildinfo')), false, 'the build cache is not shipped');
  });

  it('runs the agent on a directory with a harness and a model (run-agent.mjs)', () => {
    const workdir = join(temp, 'workdir');
    mkdirSync(workdir);
    const out = example('run-agent.mjs', workdir, join(temp, 'trace'));
    assert.match(out, /^status completed · 3 steps/m);
    assert.match(out, /final message: hello\.txt contains 'hello'\. Done\./);
    assert.equal(readFileSync(join(workdir, 'hello.txt'), 'utf8'), 'hello\n');
    const trajectory = readJson(join(temp, 'trace', 'trajectory.json'));
    assert.ok(trajectory.steps.length >= 3, 'the trajectory records the session');
  });

  it('evaluates a task suite and distils the job (evaluate-suite.mjs, distil-job.mjs)', { skip: noBwrap }, () => {
    const job = join(temp, 'job');
    const out = example('evaluate-suite.mjs', job);
    assert.match(out, /complete true · pass@1 0\.50 over 2 tasks/);
    assert.match(out, /top-words: 1 of 1 passed/);
    assert.match(out, /repair-json-config: 0 of 1 passed/);
    const result = readJson(join(job, 'result.json'));
    assert.equal(result.pass_at_1, 0.5);
    assert.deepEqual(result.missing_trials, []);

    const report = join(temp, 'report');
    const distilled = example('distil-job.mjs', job, report);
    assert.match(distilled, /^2 trials digested/m);
    const written = readJson(join(report, 'report.json'));
    assert.equal(written.job.n_passed_trials, 1);
    assert.equal(written.job.n_failed_trials, 1);
    assert.equal(written.tasks['repair-json-config'].c, 0);
    assert.ok(written.tasks['repair-json-config'].signatures.length > 0, 'the failure is classified');
    assert.ok(existsSync(join(report, 'overview.md')));
  });

  it('runs an evolution with a model object of its own (evolve-own-model.mjs)', { skip: noBwrap }, () => {
    const runDir = join(temp, 'evolution');
    const out = example('evolve-own-model.mjs', runDir);
    assert.match(out, /stopped: all 1 iterations done · best iteration 0 \(pass@1 0\.5\)/);
    // read_evidence, write_manifest, the closing summary: the hand-written model drove the evolve agent.
    assert.match(out, /evolver calls: 3/);
    const state = readJson(join(runDir, 'state.json'));
    assert.equal(state.config.evolve_model, 'mine:cautious-evolver');
    assert.equal(state.iteration, 1);
    assert.deepEqual(readJson(join(runDir, 'iterations', '0', 'change_manifest.json')).changes, []);
    for (const n of ['0', '1'])
      assert.equal(readJson(join(runDir, 'iterations', n, 'job', 'result.json')).pass_at_1, 0.5);
    assert.ok(existsSync(join(runDir, 'summary.md')));
  });

  it('resolves the subpath exports and the version', () => {
    const out = run(
      'node',
      [
        '--input-type=module',
        '-e',
        `const ahe = await import('ahe'); const model = await import('ahe/model'); await import('ahe/harness');
         console.log(ahe.version, typeof ahe.evolve, ahe.evolve === ahe.runEvolve, JSON.stringify(model.ZERO_USAGE));`,
      ],
      project,
    );
    assert.equal(out.trim(), `${pkg.version} function true {"promptTokens":0,"completionTokens":0,"cachedTokens":0}`);
  });

  it('loads neither the provider SDKs nor BullMQ on import (a spec or a queue loads them when used)', () => {
    // A resolve hook (run in the loader thread) reports every package the import of 'ahe' pulls in.
    const hook = `export async function resolve(specifier, context, next) {
      if (!/^(\\.|\\/|node:|file:|data:)/.test(specifier)) process.stderr.write('package ' + specifier + '\\n');
      return next(specifier, context);
    }`;
    const register = `import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
    writeFileSync(join(project, 'report-packages.mjs'), register);
    const r = spawnSync(
      'node',
      ['--import', './report-packages.mjs', '--input-type=module', '-e', "await import('ahe')"],
      {
        cwd: project,
        env,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const loaded = new Set([...r.stderr.matchAll(/^package (\S+)$/gm)].map((m) => m[1]));
    assert.ok(loaded.has('ahe'), `the hook saw the import: ${r.stderr}`);
    for (const heavy of ['openai', '@anthropic-ai/sdk', 'bullmq', 'ioredis'])
      assert.ok(!loaded.has(heavy), `importing 'ahe' loaded ${heavy} (${[...loaded].join(', ')})`);
  });

  it('runs the ahe binary from the installed package (compiled JavaScript, no tsx)', () => {
    const out = run('npx', ['--no-install', 'ahe', '--help'], project);
    assert.match(out, /Usage: ahe/);
    assert.match(out, /evolve/);
  });

  it('type-checks a TypeScript consumer against the shipped declarations (skipLibCheck off)', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    run('node', [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], project);
  });
});

/** Uses the API as a library user would; the @ts-expect-error lines fail the check if the types were `any`. */
const CONSUMER = `
import {
  type Completion,
  type CompletionRequest,
  createHostSandbox,
  debugJob,
  type EvolveOptions,
  evolve,
  InterruptedError,
  type JobOutcome,
  loadHarness,
  loadTaskSuite,
  type Model,
  recordSession,
  runJob,
  UserError,
  version,
} from 'ahe';
import type { Middleware, ToolImplementation } from 'ahe/harness';
import type { Usage } from 'ahe/model';

class EchoModel implements Model {
  readonly spec = 'mine:echo';
  readonly provider = 'mine';
  readonly name = 'echo';
  async complete(request: CompletionRequest): Promise<Completion> {
    const usage: Usage = { promptTokens: request.messages.length, completionTokens: 1, cachedTokens: 0 };
    return { message: { role: 'assistant', content: 'done' }, usage, costUsd: 0, finishReason: 'stop', model: this.name };
  }
}

export const tool: ToolImplementation = async (args, ctx) => (await ctx.sandbox.exec(String(args.command))).stdout;
export const middleware: Middleware = {};
export const options: EvolveOptions = { runDir: 'run', resolveModel: () => new EchoModel() };

export async function main(): Promise<string> {
  const harness = await loadHarness('harness');
  const sandbox = createHostSandbox({ workdir: '.' });
  const session = await recordSession({ harness, model: new EchoModel(), sandbox, instruction: 'hi', outDir: 'out' });
  const suite = loadTaskSuite('tasks');
  const outcome: JobOutcome = await runJob({
    jobDir: 'job',
    tasksDir: 'tasks',
    tasks: suite.tasks,
    k: 1,
    agent: { kind: 'harness', harness, modelSpec: 'mine:echo', newModel: async () => new EchoModel() },
    backend: 'bwrap',
    concurrency: 1,
  });
  const { report } = await debugJob({ jobDir: 'job', outDir: 'report' });
  const state = await evolve(options);
  if (session.status === 'completed' && outcome.result.pass_at_1 > 0 && report.job.n_tasks > 0) return state.step;
  // @ts-expect-error a status is one of the AgentStatus strings
  if (session.status === 'finished') throw new InterruptedError('never');
  throw new UserError(version);
}

// @ts-expect-error a Model needs complete()
export const notAModel: Model = { spec: 'x:y', provider: 'x', name: 'y' };
`;
