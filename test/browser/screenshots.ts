// Writes the report screenshots of docs/images/ from the offline demo's data, 1400 px wide:
// report-evolve.png (the run view), report-job.png (iteration 0's job), report-trial.png (a trial),
// report-compare.png (two jobs compared) and serve-index.png (`ahe serve`'s index).
//   npm run build && node --import tsx test/browser/screenshots.ts [DEMO_OUT]
// DEMO_OUT: an existing `npm run demo:evolve` output (its run/ is used); without it the demo runs first.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserSkipReason, launchBrowser, openWatchedPage, waitForCharts } from './support/browser.ts';
import { demoRun, evalJob, ROOT, startServe, tmp, writeReport } from './support/fixtures.ts';
import { openReport, openTaskTrial } from './support/report-page.ts';

const skip = browserSkipReason();
if (skip) {
  console.log(`skipped: ${skip}`);
  process.exit(0);
}
const images = join(ROOT, 'docs', 'images');
mkdirSync(images, { recursive: true });
const run = process.argv[2] ? join(process.argv[2], 'run') : demoRun();
const out = tmp('screenshots');
const job = join(run, 'iterations', '0', 'job');
const files = {
  run: writeReport([run], join(out, 'run.html')),
  job: writeReport([job], join(out, 'job.html')),
  compare: writeReport([job, join(run, 'iterations', '1', 'job')], join(out, 'compare.html')),
};
const browser = await launchBrowser();

async function shot(page: Page, name: string, fullPage = true) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(images, name), fullPage });
  console.log(`docs/images/${name}`);
}

for (const [file, name] of [
  [files.run, 'report-evolve.png'],
  [files.job, 'report-job.png'],
  [files.compare, 'report-compare.png'],
] as const) {
  const w = await openReport(browser, file);
  // Charts are drawn as they come near the viewport: each is scrolled to (waitForCharts), then the page is shot whole.
  await waitForCharts(w.page, []);
  await shot(w.page, name);
  if (w.problems.length) console.log(`  problems: ${w.problems.join('; ')}`);
  await w.close();
}

const trial = await openReport(browser, files.job);
await openTaskTrial(trial.page, 'top-words', 'top-words__1');
await shot(trial.page, 'report-trial.png');
await trial.close();

const served = tmp('serve-shot');
const { cpSync } = await import('node:fs');
cpSync(run, join(served, 'runs', 'evolve-demo'), { recursive: true });
cpSync(evalJob('oracle'), join(served, 'jobs', 'oracle'), { recursive: true });
const server = await startServe(served);
try {
  const w = await openWatchedPage(browser, { allowOrigin: server.url.replace(/\/$/, '') });
  await w.page.goto(server.url);
  await w.page.waitForSelector('#view tr.clickable', { timeout: 30_000 });
  await shot(w.page, 'serve-index.png', false);
  await w.close();
} finally {
  server.stop();
}
await browser.close();
