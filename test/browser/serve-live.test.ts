// `ahe serve` open in headless Chromium on a job a running `ahe eval` is writing: each trial that finishes
// appears on the page without a reload. The product requirement is "within 5 s"; on a loaded CI machine
// the assertion only fails past 15 s, and the measured delay (result.json on disk → row in the DOM) of
// each trial is printed as a diagnostic. The served index is opened too.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchBrowser, openWatchedPage, pollUntil } from './support/browser.ts';
import { BIN, ROOT, startServe, tmp } from './support/fixtures.ts';
import { assertClean, visibleText } from './support/report-page.ts';

const skip = browserSkipReason();
const LIMIT_MS = 15_000;
let browser: Browser;
let served = '';
let server: Awaited<ReturnType<typeof startServe>> | undefined;
let evaluation: ChildProcess | undefined;
let evalOutput = '';

before(async () => {
  if (skip) return;
  served = tmp('serve');
  server = await startServe(served);
  browser = await launchBrowser();
});
after(async () => {
  if (evaluation?.exitCode === null) evaluation.kill('SIGTERM');
  server?.stop();
  await browser?.close();
});

/** Trials of the job with a result.json on disk. */
const finishedOnDisk = (job: string) =>
  existsSync(job)
    ? readdirSync(job, { withFileTypes: true }).filter(
        (d) => d.isDirectory() && d.name.includes('__') && existsSync(join(job, d.name, 'result.json')),
      ).length
    : 0;

test('ahe serve on a running ahe eval: each finished trial appears without a reload', { skip }, async (t) => {
  const job = join(served, 'job');
  // One trial at a time (each oracle trial takes seconds: its verifier runs), so they finish apart.
  evaluation = spawn(
    process.execPath,
    [BIN, 'eval', '--agent', 'oracle', '--tasks', 'tasks/train', '--n-tasks', '3', '--concurrency', '1', '--out', job],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  evaluation.stdout?.on('data', (c: Buffer) => (evalOutput += c.toString()));
  evaluation.stderr?.on('data', (c: Buffer) => (evalOutput += c.toString()));
  // Opened as soon as the job exists, before its first trial finishes: every trial is timed.
  assert.ok(await pollUntil(() => existsSync(join(job, 'config.json')), 180_000), `the job started:\n${evalOutput}`);

  const w = await openWatchedPage(browser, { allowOrigin: server!.url.replace(/\/$/, '') });
  try {
    await w.page.goto(`${server!.url.replace(/\/$/, '')}/?path=job`);
    const rows = () => w.page.locator('#job-trials tbody tr').count();
    await w.page.waitForSelector('#view > *', { timeout: 30_000 });
    await w.page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });

    const delays: number[] = [];
    let seen = await rows();
    while (seen < 3) {
      assert.ok(
        await pollUntil(() => finishedOnDisk(job) > seen, 180_000, 50),
        `trial ${seen + 1} finished on disk:\n${evalOutput}`,
      );
      const onDisk = finishedOnDisk(job);
      const t0 = Date.now();
      const shown = await pollUntil(async () => (await rows()) >= onDisk, LIMIT_MS + 30_000, 50);
      const delay = Date.now() - t0;
      assert.ok(shown, `trial ${onDisk} appeared on the page (waited ${delay} ms)`);
      t.diagnostic(`trial ${onDisk}: on disk → on the page in ${delay} ms (requirement: 5000 ms)`);
      delays.push(delay);
      assert.ok(delay <= LIMIT_MS, `trial ${onDisk} appeared ${delay} ms after its result.json (limit ${LIMIT_MS})`);
      seen = onDisk;
    }
    assert.equal(
      await w.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument),
      true,
      'the page was not reloaded',
    );
    t.diagnostic(`delays: ${delays.join(', ')} ms`);
    assertClean(w, 'live job page');
  } finally {
    await w.close();
  }
});

test('ahe serve: the index lists the job and opens it', { skip }, async () => {
  const w = await openWatchedPage(browser, { allowOrigin: server!.url.replace(/\/$/, '') });
  try {
    await w.page.goto(server!.url);
    await w.page.waitForSelector('#view tr.clickable, #view a', { timeout: 30_000 });
    assert.match(await visibleText(w.page, '#view'), /\bjob\b/, 'the job is listed');
    await w.page.locator('#view tr.clickable', { hasText: 'job' }).first().click();
    await w.page.waitForSelector('#job-trials tbody tr', { timeout: 30_000 });
    assertClean(w, 'served index');
  } finally {
    await w.close();
  }
});
