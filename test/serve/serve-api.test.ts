// `ahe serve`'s HTTP API over a real job: the index, a report, a trial's detail, live change tokens, and
// what it refuses (paths outside the served directory, symlinks that lead out, writes, foreign Host
// headers) without leaking a byte of what lies outside. Needs `npm run build` (the job is written by
// bin/ahe.js) and bwrap.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DebugReport, IndexReport, JobReport, ReportPayload, TrialDetail } from '../../src/report/report-data.ts';
import { bwrapAvailable, bwrapInstallHint } from '../../src/sandbox/bwrap-sandbox.ts';
import { followAlongUrl } from '../../src/serve/find-server.ts';
import { type RunningServer, startServer } from '../../src/serve/start-server.ts';
import { call, debugJob, getJson, makeJob, tmp, until } from './support/serve-fixture.ts';

const skip = bwrapAvailable() ? false : `bwrap not available: ${bwrapInstallHint()}`;
const SECRET = 'SECRET-OUTSIDE-7f3a';

describe('ahe serve API', { skip, timeout: 600_000 }, () => {
  let root: string;
  let outside: string;
  let registry: string;
  let server: RunningServer;
  let base: string;
  let linkedTrial: string;
  const logged: string[] = [];

  before(async () => {
    const top = tmp('api');
    root = join(top, 'served');
    outside = join(top, 'outside');
    registry = join(top, 'registry');
    mkdirSync(join(root, 'jobs'), { recursive: true });
    await makeJob(join(root, 'jobs', 'a'));
    // Outside the served directory: a job (so a link to it would load) and a file nobody may read.
    cpSync(join(root, 'jobs', 'a'), join(outside, 'job'), { recursive: true });
    writeFileSync(join(outside, 'secret.json'), JSON.stringify({ secret: SECRET }));
    writeFileSync(join(outside, 'job', 'secret.txt'), SECRET);
    symlinkSync(join(outside, 'job'), join(root, 'link-out'));
    symlinkSync(join(outside, 'secret.json'), join(root, 'secret-link.json'));
    // A job inside whose trial reaches outside through a link.
    cpSync(join(root, 'jobs', 'a'), join(root, 'jobs', 'linked'), { recursive: true });
    linkedTrial = readdirSync(join(root, 'jobs', 'a'))
      .filter((n) => n.includes('__'))
      .sort()[0]!;
    const agent = join(root, 'jobs', 'linked', linkedTrial, 'agent');
    mkdirSync(agent, { recursive: true });
    rmSync(join(agent, 'trajectory.json'), { force: true });
    symlinkSync(join(outside, 'secret.json'), join(agent, 'trajectory.json'));
  });

  before(async () => {
    server = await startServer({
      dir: root,
      port: 0,
      host: '127.0.0.1',
      registryDir: registry,
      log: (l) => logged.push(l),
    });
    base = server.url;
  });

  after(async () => {
    await server?.close();
  });

  test('the index lists the job with its pass@1', async () => {
    const payload = await getJson<ReportPayload>(base, '/api/index');
    const index = payload.report as IndexReport;
    assert.equal(index.kind, 'index');
    const a = index.entries.find((e) => e.path === 'jobs/a');
    assert.ok(a, `jobs/a listed: ${JSON.stringify(index.entries)}`);
    assert.equal(a.kind, 'job');
    assert.equal(a.pass_at_1, 1);
    assert.equal(a.running, false);
    assert.match(a.updated_at ?? '', /^\d{4}-\d\d-\d\dT/);
    // Symlinks are not followed by the walk: the outside job is not listed.
    assert.ok(!index.entries.some((e) => e.path.startsWith('link-out')));
  });

  test('/api/report answers the job as JSON, trials not embedded, with the safety headers', async () => {
    const answer = await call(base, '/api/report?path=jobs/a');
    assert.equal(answer.status, 200, answer.body);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.equal(answer.headers['referrer-policy'], 'no-referrer');
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.match(String(answer.headers['content-security-policy']), /^default-src 'none'/);
    assert.equal(answer.headers['access-control-allow-origin'], undefined, 'no CORS: other origins cannot read it');
    const job = (JSON.parse(answer.body) as ReportPayload).report as JobReport;
    assert.equal(job.kind, 'job');
    assert.equal(job.trials.length, 2);
    assert.equal(job.score.pass_at_1, 1);
  });

  test('/api/trial answers the detail of a trial row', async () => {
    const job = (await getJson<ReportPayload>(base, '/api/report?path=jobs/a')).report as JobReport;
    const row = job.trials[0]!;
    const detail = await getJson<TrialDetail>(base, `/api/trial?path=jobs/a&ref=${encodeURIComponent(row.detail_ref)}`);
    assert.equal(detail.id, row.id);
    assert.equal(detail.task, row.task);
  });

  test('GET / is the page, with its CSP also as a header; HEAD sends no body', async () => {
    const page = await call(base, '/?path=jobs/a');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(page.body, /<html/i);
    const head = await call(base, '/', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  const outsideAttempts = [
    '..',
    '../outside/job',
    'jobs/../../outside/job',
    '%2e%2e/outside/job',
    '%2E%2E%2Foutside%2Fjob',
    encodeURIComponent(join('/', 'etc')),
    'link-out',
    'secret-link.json',
  ];
  for (const attempt of outsideAttempts)
    test(`path=${attempt} is refused (403) and leaks nothing`, async () => {
      for (const route of ['/api/report', '/api/version'])
        for (const target of [`${route}?path=${attempt}`, `${route}?path=jobs/a&path=${attempt}`]) {
          const answer = await call(base, target);
          assert.equal(answer.status, 403, `${target}: ${answer.body}`);
          assert.ok(!answer.body.includes(SECRET) && !answer.body.includes(outside), `${target} leaks: ${answer.body}`);
          assert.ok(typeof (JSON.parse(answer.body) as { error: string }).error === 'string');
        }
      const trial = await call(base, `/api/trial?path=${attempt}&ref=${encodeURIComponent('.#x__1')}`);
      assert.equal(trial.status, 403, trial.body);
    });

  test('a trial ref that climbs out is refused and leaks nothing', async () => {
    for (const ref of ['../../outside/job#x__1', '.#../../../outside/job', '/etc#passwd', '.#..']) {
      const answer = await call(base, `/api/trial?path=jobs/a&ref=${encodeURIComponent(ref)}`);
      assert.ok(answer.status === 403 || answer.status === 404, `${ref}: ${answer.status} ${answer.body}`);
      assert.ok(!answer.body.includes(SECRET), `${ref} leaks: ${answer.body}`);
    }
  });

  test('a job holding a symlink that leads out is refused, its report and its trials', async () => {
    const report = await call(base, '/api/report?path=jobs/linked');
    assert.equal(report.status, 403, report.body);
    assert.ok(!report.body.includes(SECRET));
    const rows = ((await getJson<ReportPayload>(base, '/api/report?path=jobs/a')).report as JobReport).trials;
    const linked = rows.find((r) => r.id === linkedTrial);
    assert.ok(linked, `the linked trial ${linkedTrial} is a row`);
    const answer = await call(base, `/api/trial?path=jobs/linked&ref=${encodeURIComponent(linked.detail_ref)}`);
    assert.equal(answer.status, 403, answer.body);
    assert.ok(!answer.body.includes(SECRET));
    // Its sibling trial, without a link, opens.
    const sibling = rows.find((r) => r.id !== linkedTrial)!;
    assert.equal(
      (await call(base, `/api/trial?path=jobs/linked&ref=${encodeURIComponent(sibling.detail_ref)}`)).status,
      200,
    );
  });

  test('only GET and HEAD: anything else is 405', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await call(base, '/api/index', { method });
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers.allow, 'GET, HEAD');
    }
  });

  test('a foreign Host header is refused (DNS rebinding); loopback names are accepted', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, 'attacker.localhost.evil.com']) {
      const answer = await call(base, '/api/index', { host });
      assert.equal(answer.status, 403, host);
      assert.ok(!answer.body.includes('jobs/a'));
    }
    // No Host at all: Node itself answers 400 to an HTTP/1.1 request without one.
    assert.ok([400, 403].includes((await call(base, '/api/index', { host: null })).status));
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, `[::1]:${server.port}`])
      assert.equal((await call(base, '/api/index', { host })).status, 200, host);
  });

  test('bad requests are JSON errors: no path, not an entry, unknown route', async () => {
    assert.equal((await call(base, '/api/report')).status, 400);
    assert.equal((await call(base, '/api/report?path=jobs')).status, 404);
    assert.equal((await call(base, '/api/report?path=nothing-here')).status, 404);
    const unknown = await call(base, '/etc/passwd');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.headers['content-type']), /^application\/json/);
  });

  test('/api/version changes when a trial is added while serving, and the report shows it', async () => {
    // A copy of the job with one trial missing: resuming it runs that trial while the server watches.
    const grow = join(root, 'jobs', 'grow');
    cpSync(join(root, 'jobs', 'a'), grow, { recursive: true });
    rmSync(
      join(
        grow,
        readdirSync(grow)
          .filter((n) => n.includes('__'))
          .sort()[1]!,
      ),
      { recursive: true },
    );
    const shown = async () =>
      ((await getJson<ReportPayload>(base, '/api/report?path=jobs/grow')).report as JobReport).trials;
    assert.equal((await shown()).length, 1);
    const before = await getJson<{ version: string }>(base, '/api/version?path=jobs/grow');
    const indexBefore = await getJson<{ version: string }>(base, '/api/version');
    assert.deepEqual(await getJson(base, '/api/version?path=jobs/grow'), before, 'stable while nothing changes');
    await makeJob(grow, 2);
    const after = await getJson<{ version: string }>(base, '/api/version?path=jobs/grow');
    assert.notEqual(after.version, before.version);
    assert.equal((await shown()).length, 2);
    // The index follows within its short cache (the job's updated_at moved).
    await until(
      async () => (await getJson<{ version: string }>(base, '/api/version')).version !== indexBefore.version,
      'the index version to change',
    );
  });

  test("a trial read from a debug output written elsewhere (--out) carries that output's digest; a job's own debug/ shows once written", async () => {
    const job = join(root, 'jobs', 'debugged');
    cpSync(join(root, 'jobs', 'a'), job, { recursive: true });
    await debugJob(job, join(root, 'analyses', 'debugged'));
    const debugView = (await getJson<ReportPayload>(base, '/api/report?path=analyses/debugged')).report as DebugReport;
    const row = debugView.job!.trials[0]!;
    const fromDebug = await getJson<TrialDetail>(
      base,
      `/api/trial?path=analyses/debugged&ref=${encodeURIComponent(row.detail_ref)}`,
    );
    assert.match(fromDebug.digest ?? '', new RegExp(`^## Attempt ${row.id} `));
    // The same trial from its job: the job has no debug/ of its own, so no digest…
    const jobRow = (
      (await getJson<ReportPayload>(base, '/api/report?path=jobs/debugged')).report as JobReport
    ).trials.find((t) => t.id === row.id)!;
    const fromJob = () =>
      getJson<TrialDetail>(base, `/api/trial?path=jobs/debugged&ref=${encodeURIComponent(jobRow.detail_ref)}`);
    assert.equal((await fromJob()).digest, null);
    // …until `ahe debug` writes JOB/debug while the server runs: the cached detail is read again.
    await debugJob(job);
    assert.match((await fromJob()).digest ?? '', new RegExp(`^## Attempt ${row.id} `));
    // A digest file that is a link leading out is refused from either side, and leaks nothing.
    for (const [debugDir, path, ref] of [
      [join(root, 'analyses', 'debugged'), 'analyses/debugged', row.detail_ref],
      [join(job, 'debug'), 'jobs/debugged', jobRow.detail_ref],
    ] as const) {
      const detail = join(debugDir, 'detail', `${row.task}.md`);
      rmSync(detail);
      symlinkSync(join(outside, 'secret.json'), detail);
      const answer = await call(base, `/api/trial?path=${path}&ref=${encodeURIComponent(ref)}`);
      assert.equal(answer.status, 403, `${path}: ${answer.body}`);
      assert.doesNotMatch(answer.body, new RegExp(SECRET));
    }
  });

  test('a JSON file caught half-written does not break the server', async () => {
    const dir = join(root, 'jobs', 'c');
    cpSync(join(root, 'jobs', 'a'), dir, { recursive: true });
    const good = await call(base, '/api/report?path=jobs/c');
    assert.equal(good.status, 200, good.body);
    const file = join(dir, 'result.json');
    const text = readFileSync(file, 'utf8');
    // Written in place (not atomically), caught half-way.
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const answers = await Promise.all(Array.from({ length: 10 }, () => call(base, '/api/report?path=jobs/c')));
    for (const a of answers) {
      assert.equal(a.status, 200, `the last good report or a tolerant load, not an error: ${a.body}`);
      assert.equal(((JSON.parse(a.body) as ReportPayload).report as JobReport).kind, 'job');
    }
    assert.equal((await call(base, '/api/index')).status, 200);
    assert.equal((await call(base, '/api/version?path=jobs/c')).status, 200);
    // Completed: the fresh report again.
    const tmpFile = `${file}.tmp`;
    writeFileSync(tmpFile, text);
    renameSync(tmpFile, file);
    assert.equal((await call(base, '/api/report?path=jobs/c')).status, 200);
  });

  test('a job whose files are half-written from the start answers, never crashes the server', async () => {
    const dir = join(root, 'jobs', 'd');
    cpSync(join(root, 'jobs', 'a'), dir, { recursive: true });
    writeFileSync(join(dir, 'result.json'), '{"id": "x", "n_total_trials": ');
    for (const t of ['/api/report?path=jobs/d', '/api/version?path=jobs/d', '/api/index']) {
      const answer = await call(base, t);
      const body = JSON.parse(answer.body) as { error?: string; report?: unknown; version?: string };
      // A tolerant load (200) or one JSON error naming the problem: never a dropped connection.
      assert.ok(
        answer.status === 200 ? body.error === undefined : typeof body.error === 'string',
        `${t}: ${answer.body}`,
      );
    }
    assert.equal((await call(base, '/api/report?path=jobs/a')).status, 200, 'still serving');
  });

  test('followAlongUrl finds the server for a path under its directory, and not after it stops', async () => {
    assert.equal(followAlongUrl(join(root, 'jobs', 'a'), registry), `${base}?path=jobs/a`);
    assert.equal(followAlongUrl(join(root, 'jobs', 'not-yet', 'x'), registry), `${base}?path=jobs/not-yet/x`);
    assert.equal(followAlongUrl(root, registry), `${base}?path=.`);
    assert.equal(followAlongUrl(outside, registry), undefined);
    const second = await startServer({ dir: join(root, 'jobs'), port: 0, host: '127.0.0.1', registryDir: registry });
    try {
      assert.equal(
        followAlongUrl(join(root, 'jobs', 'a'), registry),
        `${second.url}?path=a`,
        'the closest directory wins',
      );
    } finally {
      await second.close();
    }
    assert.equal(followAlongUrl(join(root, 'jobs', 'a'), registry), `${base}?path=jobs/a`);
    await server.close();
    assert.equal(followAlongUrl(join(root, 'jobs', 'a'), registry), undefined);
  });
});
