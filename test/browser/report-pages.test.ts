// `ahe report` files opened from disk in headless Chromium: a job, a debug output, the offline demo's
// evolve run, a comparison of two jobs and of two runs. Each page must load with nothing logged as an
// error, no CSP violation and no network request; its charts must be drawn on a canvas that is not blank;
// a task (or a heatmap cell) must open its trial view with the trajectory; CSV, SVG and PNG exports must
// produce downloads. The fixtures are written by the real tools (test/browser/support/fixtures.ts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserSkipReason, downloadOf, launchBrowser } from './support/browser.ts';
import { copyOf, debugOutput, demoRun, evalJob, tmp, writeReport } from './support/fixtures.ts';
import {
  assertChartsDrawn,
  assertClean,
  clickHeatmapCell,
  openReport,
  openTaskTrial,
  viewText,
  visibleText,
} from './support/report-page.ts';

const skip = browserSkipReason();
const RUN_CHARTS = ['pass-at-1', 'task-heatmap', 'tokens-per-role', 'attribution'];

let browser: Browser;
const files: Record<string, string> = {};
let demo = '';
let oracle = '';

before(async () => {
  if (skip) return;
  const out = tmp('pages');
  oracle = evalJob('oracle');
  const noop = evalJob('noop');
  demo = demoRun();
  const demoJob = copyOf(join(demo, 'iterations', '0', 'job'), 'demo-job');
  const debug = debugOutput(demoJob);
  files.job = writeReport([oracle], join(out, 'job.html'));
  files.demoJob = writeReport([demoJob], join(out, 'demo-job.html'));
  files.debug = writeReport([debug], join(out, 'debug.html'));
  files.run = writeReport([demo], join(out, 'run.html'));
  files.compareJobs = writeReport([oracle, noop], join(out, 'compare-jobs.html'));
  files.compareRuns = writeReport([demo, copyOf(demo, 'run-b')], join(out, 'compare-runs.html'));
  browser = await launchBrowser();
});
after(() => browser?.close());

const trajectory = (trial: string) =>
  JSON.parse(readFileSync(join(trial, 'agent', 'trajectory.json'), 'utf8')) as {
    steps: { source: string; message?: string }[];
  };

test('a job: loads clean, its tasks listed, a task opens its trial with the verifier output', { skip }, async () => {
  const w = await openReport(browser, files.job!);
  try {
    assert.doesNotMatch(await w.page.title(), /^Job job$/, 'the title names the job by where it is');
    const tasks = await w.page.locator('#job-tasks tbody tr').allInnerTexts();
    assert.equal(tasks.length, 3, `three task rows: ${tasks}`);
    await assertChartsDrawn(w.page, []);
    const task = tasks[0]!.split('\t')[0]!.trim();
    await openTaskTrial(w.page, task, `${task}__1`);
    const verifier = readFileSync(join(oracle, `${task}__1`, 'verifier', 'test-stdout.txt'), 'utf8').trim();
    const text = await viewText(w.page);
    assert.ok(
      text.includes(verifier.split('\n')[0]!),
      `the trial view shows the verifier output: ${text.slice(0, 500)}`,
    );
    assertClean(w, 'job report');
  } finally {
    await w.close();
  }
});

test('a job with trajectories: the trial view shows each step of the ATIF trajectory', { skip }, async () => {
  const w = await openReport(browser, files.demoJob!);
  try {
    await openTaskTrial(w.page, 'csv-region-totals', 'csv-region-totals__1');
    const steps = trajectory(join(demo, 'iterations', '0', 'job', 'csv-region-totals__1')).steps;
    await w.page.waitForSelector('.steps > .step[data-step]');
    assert.equal(await w.page.locator('.steps > .step[data-step]').count(), steps.length, 'one article per step');
    const last = steps.at(-1)?.message ?? '';
    assert.ok(last && (await viewText(w.page)).includes(last.trim()), `the last step's message is shown: ${last}`);
    assertClean(w, 'demo job report');
  } finally {
    await w.close();
  }
});

test('a debug output: loads clean with the overview and the job it analysed', { skip }, async () => {
  const w = await openReport(browser, files.debug!);
  try {
    const text = await visibleText(w.page, 'body');
    assert.match(text, /repair-json-config/, 'a failing task is named');
    assert.match(text, /test assertion/, "the debugger's signatures are shown");
    await w.page.locator('#debug-tasks tr.clickable', { hasText: 'top-words' }).click();
    assert.match(await visibleText(w.page, '#debug-tasks'), /Attempt top-words__1/, "a task's detail opens");
    // The debugger's Markdown is drawn (headings, lists, code), not shown as its raw text.
    const detail = '#debug-tasks .task-panel .md';
    assert.match(await visibleText(w.page, `${detail} h4 >> nth=0`), /^Attempt top-words__1/);
    assert.ok((await w.page.locator(`${detail} li`).count()) > 0, 'its lists are lists');
    assert.ok((await w.page.locator(`${detail} pre.md-code`).count()) > 0, 'its code block is preformatted');
    assert.doesNotMatch(await visibleText(w.page, detail), /^#+ |^```/m, 'no Markdown markup is left in the text');
    assert.ok((await w.page.locator('#debug-overview .md h3').count()) > 0, 'the overview has its headings');
    await w.page.locator('.open-job').click();
    await openTaskTrial(w.page, 'top-words', 'top-words__1');
    await w.page.waitForSelector('.steps > .step[data-step]');
    assert.match(
      await visibleText(w.page, '#trial-digest .md h4 >> nth=0'),
      /^Attempt top-words__1/,
      'the digest is drawn',
    );
    assert.doesNotMatch(await visibleText(w.page, '#trial-digest .md'), /^#+ /m);
    assertClean(w, 'debug report');
  } finally {
    await w.close();
  }
});

test('an evolve run: every chart drawn, a heatmap cell opens a trial with its trajectory', { skip }, async () => {
  const w = await openReport(browser, files.run!);
  try {
    await assertChartsDrawn(w.page, RUN_CHARTS);
    const buttons = await clickHeatmapCell(w.page);
    assert.ok(buttons > 0, 'a click on the heatmap lists the cell’s trials');
    await w.page.locator('[data-cell-trials] button[data-trial]').first().click();
    await w.page.waitForSelector('.steps > .step[data-step]', { timeout: 30_000 });
    assertClean(w, 'run report');
  } finally {
    await w.close();
  }
});

test('a comparison of two jobs: the forest plot drawn, regressed tasks side by side', { skip }, async () => {
  const w = await openReport(browser, files.compareJobs!);
  try {
    await assertChartsDrawn(w.page, ['jobs-pass-at-1']);
    assert.match(await viewText(w.page), /regressed/, 'the oracle → noop tasks are marked regressed');
    // Both directories are called job: the page labels them by their paths, never "job" twice.
    const title = await w.page.title();
    assert.match(title, /^Comparison of 2 jobs: (\S+\/job) vs (\S+\/job)$/);
    const [, first, second] = /: (\S+) vs (\S+)$/.exec(title)!;
    assert.notEqual(first, second);
    assertClean(w, 'job comparison');
  } finally {
    await w.close();
  }
});

test('a filter chip that is on stays readable under the pointer (not white on white)', { skip }, async () => {
  const w = await openReport(browser, files.job!);
  try {
    const chip = w.page.locator('.filter-chip').first();
    await chip.click();
    await w.page.waitForSelector('.filter-chip.on');
    const on = w.page.locator('.filter-chip.on').first();
    await on.hover();
    const { color, background } = await on.evaluate((e) => {
      const style = getComputedStyle(e);
      return { color: style.color, background: style.backgroundColor };
    });
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    assert.ok(
      Math.abs(luminance(color) - luminance(background)) > 100,
      `label ${color} on ${background} must contrast`,
    );
  } finally {
    await w.close();
  }
});

test('a comparison of two runs: the curves overlaid', { skip }, async () => {
  const w = await openReport(browser, files.compareRuns!);
  try {
    await assertChartsDrawn(w.page, ['runs-pass-at-1']);
    assertClean(w, 'run comparison');
  } finally {
    await w.close();
  }
});

test('exports: a table as CSV, a chart as SVG and as PNG', { skip }, async () => {
  const w = await openReport(browser, files.run!);
  try {
    await assertChartsDrawn(w.page, ['pass-at-1']);
    const csv = await downloadOf(w.page, () => w.page.locator('button.csv-export').first().click());
    assert.match(csv.name, /\.csv$/);
    const lines = csv.bytes.toString('utf8').trim().split(/\r?\n/);
    assert.ok(lines.length >= 2 && lines[0]!.includes(','), `a header and rows: ${lines.slice(0, 2)}`);
    const figure = w.page.locator('figure.chart', { has: w.page.locator('[data-chart="pass-at-1"]') });
    const svg = await downloadOf(w.page, () => figure.locator('button', { hasText: 'SVG' }).click());
    assert.match(svg.name, /pass-at-1\.svg$/);
    assert.match(svg.bytes.toString('utf8'), /<svg[\s>]/);
    const png = await downloadOf(w.page, () => figure.locator('button', { hasText: 'PNG' }).click());
    assert.match(png.name, /pass-at-1\.png$/);
    assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
    assert.ok(png.bytes.length > 2000, `a PNG with a drawing (${png.bytes.length} bytes)`);
    assertClean(w, 'exports');
  } finally {
    await w.close();
  }
});
