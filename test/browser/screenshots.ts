// Writes the report screenshots of docs/images/ from the offline demo's data, 1400 px wide:
// report-evolve.png (the run view), report-job.png (iteration 0's job), report-trial.png (a trial),
// report-compare.png (two jobs compared) and serve-index.png (`ahe serve`'s index).
//   npm run build && node --import tsx test/browser/screenshots.ts [DEMO_OUT]
// DEMO_OUT: an existing `npm run demo:evolve` output (its run/ is used); without it the demo runs first,
// into runs/evolve-demo (where `npm run demo:evolve` writes it), so the pages show the paths a user's
// own demo shows (`runs/evolve-demo/…`, relative to the project), not a temporary directory's.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
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
const run = process.argv[2] ? join(process.argv[2], 'run') : demoRun(join(ROOT, 'runs', 'evolve-demo'));
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

// The index of runs/ (the demo's run beside an oracle job), as `ahe serve runs` shows a project's runs;
// with DEMO_OUT given, of a temporary copy instead.
let served = join(ROOT, 'runs');
if (process.argv[2]) {
  served = tmp('serve-shot');
  cpSync(run, join(served, 'evolve-demo', 'run'), { recursive: true });
}
rmSync(join(served, 'oracle-job'), { recursive: true, force: true });
evalJob('oracle', join(served, 'oracle-job'));
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
