// `ahe report` as a user meets it: the file it writes for a job (the data inside, a Content-Security-Policy,
// hostile trace content inert), a comparison written to the current directory, and paths it cannot
// report on (exit 2, a message naming the path, no stack trace).
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { JobReport, ReportPayload } from '../../src/report/report-data.ts';
import { evalJob, HOSTILE, hostileJob, ROOT, tmp } from '../report/load-fixtures.ts';
import { runCli, STACK_LINE } from '../support/run-cli.ts';

const oracle = evalJob('oracle');
const noop = evalJob('noop');

/** The JSON of a `<script type="application/json" id=…>` block of the page. */
function dataBlock(html: string, id: string): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
  assert.ok(m, `the page has its ${id} block`);
  return JSON.parse(m[1]!);
}

test('ahe report JOB writes JOB/report.html: the payload, the trial details and a CSP meta, nothing fetched', async () => {
  const r = await runCli(['report', oracle], { timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  const file = join(oracle, 'report.html');
  assert.match(
    r.stdout,
    new RegExp(
      `report: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+\\.\\d MB, all 2 trial details embedded\\)`,
    ),
  );
  const html = readFileSync(file, 'utf8');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="[^"]*default-src (?:'|&#39;)none/);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  const payload = dataBlock(html, 'ahe-report-data') as ReportPayload;
  const job = payload.report as JobReport;
  const result = JSON.parse(readFileSync(join(oracle, 'result.json'), 'utf8'));
  assert.equal(job.kind, 'job');
  assert.equal(job.score.pass_at_1, result.pass_at_1);
  assert.deepEqual(job.score.ci95, result.ci95);
  const trials = dataBlock(html, 'ahe-report-trials') as Record<string, string>;
  assert.deepEqual(Object.keys(trials).sort(), job.trials.map((t) => t.detail_ref).sort());
  assert.doesNotMatch(
    html,
    /<(?:script|link|img)[^>]+(?:src|href)=["']?https?:/i,
    'nothing is fetched from the network',
  );
});

test('hostile trace content is data: it reaches the page only escaped inside the JSON block', async () => {
  const job = hostileJob();
  await runCli(['debug', job, '--no-llm', '--quiet']);
  const out = join(tmp('hostile-report'), 'hostile.html');
  // The debug output's view carries each task's detail file, which quotes the agent's final message.
  const r = await runCli(['report', join(job, 'debug'), '--out', out, '--quiet'], { timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stdout.trim(), out);
  const html = readFileSync(out, 'utf8');
  const payload = dataBlock(html, 'ahe-report-data') as ReportPayload;
  assert.ok(JSON.stringify(payload).includes(HOSTILE.final), 'the final message is in the data');
  assert.doesNotMatch(html, /<\/script><script>window\.__pwned/, 'but never as markup');
  assert.equal(html.match(/<script/g)?.length, 3, 'the two data blocks and the page script, nothing else');
});

test('two jobs: a comparison in ./report.html of the current directory', async () => {
  const cwd = tmp('compare-cwd');
  const r = await runCli(['report', noop, oracle], { cwd, timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  const payload = dataBlock(readFileSync(join(cwd, 'report.html'), 'utf8'), 'ahe-report-data') as ReportPayload;
  assert.equal(payload.report.kind, 'compare-jobs');
});

test('a trial file that cannot be read is left out and said on stderr, not dropped silently', async () => {
  const job = join(tmp('broken-trial'), 'job');
  cpSync(noop, job, { recursive: true });
  rmSync(join(job, 'report.html'), { force: true });
  const trial = readdirSync(job).find((name) => name.includes('__'))!;
  writeFileSync(join(job, trial, 'result.json'), '{broken');
  const r = await runCli(['report', job], { timeoutMs: 120_000 });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(
    r.stderr,
    /^1 problem\(s\) reading the input \(left out; listed in the report\):\n {2}.*result\.json: not valid JSON/m,
  );
});

test('a path ahe cannot report on: exit 2 and a message naming it, no stack trace, nothing written', async () => {
  const tasks = join(ROOT, 'tasks', 'train');
  const r = await runCli(['report', tasks], { timeoutMs: 60_000 });
  assert.equal(r.exitCode, 2);
  assert.ok(r.stderr.includes(tasks), r.stderr);
  assert.match(r.stderr, /expected an `ahe eval` job/);
  assert.doesNotMatch(r.stderr, STACK_LINE);
  assert.equal(existsSync(join(tasks, 'report.html')), false);
  const missing = join(tmp('missing'), 'nothing-here');
  const m = await runCli(['report', missing]);
  assert.equal(m.exitCode, 2);
  assert.ok(m.stderr.includes(missing), m.stderr);
  const mixed = await runCli(['report', oracle, join(ROOT, 'tasks')]);
  assert.equal(mixed.exitCode, 2);
});

test('ahe report --help: what each view shows, the size policy and examples', async () => {
  const r = await runCli(['report', '--help']);
  assert.equal(r.exitCode, 0);
  assert.match(r.stdout, /Usage: ahe report \[options\] <path\.\.\.>/);
  assert.match(r.stdout, /ahe serve/);
  assert.match(r.stdout, /Examples:\n {2}ahe report jobs\//);
});
