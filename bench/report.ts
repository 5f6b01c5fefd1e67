// `ahe report` on a large job and a large evolve run (issue 16's targets): a 100-trial job and a
// 20-iteration × 100-task run (2 000 trials) in the real on-disk layouts (bench/report-fixtures.ts), each
// trajectory 30 agent steps with ~3 KB tool outputs (~110 KB of ATIF). Measured:
//  - time to write: `node bin/ahe.js report PATH --out FILE` wall time, the CLI as a user runs it (process
//    start, loading, embedding compressed trial details within the size budget, the atomic write);
//  - file size;
//  - time to first render in headless Chromium (when available, test/browser/support): from navigation
//    start to the view on the page with every chart of its first screen (1400×900) drawn
//    (data-rendered="true"), read from the page's own clock (performance.now(), whose origin is the
//    navigation start). Charts further down are drawn when scrolled near (src/report/page/charts.ts), so
//    they are not part of the first render.
// Targets: written in under 2 s, under 5 MB, rendered in under 1 s. Needs `npm run build` first.
// RUNS=3 by default; the median is shown, with the slowest run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { browserSkipReason, launchBrowser } from '../test/browser/support/browser.ts';
import { type JobShape, writeJob, writeRun } from './report-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 3);
const SHAPE: JobShape = { tasks: 100, steps: 30, outputBytes: 3000, pass: (i) => 0.3 + (i % 10) / 20 };

// REPORT_FIXTURES=DIR keeps the fixtures in DIR (written once, reused by later runs).
const kept = process.env.REPORT_FIXTURES;
const dir = kept ?? mkdtempSync(join(tmpdir(), 'ahe-bench-report-'));
const job = join(dir, 'job');
const run = join(dir, 'run');
let t = performance.now();
if (!kept || !existsSync(join(run, 'state.json'))) {
  writeJob(job, SHAPE);
  writeRun(run, 20, SHAPE);
  console.log(`fixtures written in ${((performance.now() - t) / 1000).toFixed(1)} s (${dir})\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function writeReport(path: string, out: string): number {
  t = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'ahe.js'), 'report', path, '--out', out, '--quiet'], {
    encoding: 'utf8',
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`ahe report ${path} failed (exit ${r.status}): ${r.stderr}`);
  return ms;
}

const skip = browserSkipReason();
const browser = skip ? null : await launchBrowser();

/** Navigation start → the view on the page and every chart drawn, by the page's clock (ms). */
async function firstRender(file: string): Promise<number> {
  if (!browser) return Number.NaN;
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Checked at every change of the document (a MutationObserver set before any page script runs).
  await context.addInitScript(() => {
    const w = window as unknown as { __aheRendered?: number };
    const observer = new MutationObserver(() => {
      const view = document.querySelector('#view');
      const charts = [...document.querySelectorAll('[data-chart]')].filter(
        (c) => c.getBoundingClientRect().top < window.innerHeight,
      );
      if (view?.childElementCount && charts.every((c) => c.getAttribute('data-rendered') === 'true')) {
        w.__aheRendered = performance.now();
        observer.disconnect();
      }
    });
    observer.observe(document, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-rendered'],
    });
  });
  const page = await context.newPage();
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(
    () => (window as unknown as { __aheRendered?: number }).__aheRendered !== undefined,
    null,
    {
      timeout: 60_000,
    },
  );
  const ms = await page.evaluate(() => (window as unknown as { __aheRendered: number }).__aheRendered);
  await context.close();
  return ms;
}

const rows: string[] = [];
for (const [label, path] of [
  ['job, 100 trials', job],
  ['run, 20 iterations × 100 tasks', run],
] as const) {
  const out = join(dir, `${label.split(',')[0]}.html`);
  const write: number[] = [];
  const render: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    write.push(writeReport(path, out));
    render.push(await firstRender(out));
  }
  const mb = statSync(out).size / 1e6;
  const fmt = (xs: number[]) =>
    Number.isNaN(xs[0])
      ? `skipped (${skip})`
      : `${(median(xs) / 1000).toFixed(2)} s (max ${(Math.max(...xs) / 1000).toFixed(2)})`;
  rows.push(`| ${label} | ${fmt(write)} | ${mb.toFixed(2)} MB | ${fmt(render)} |`);
}
await browser?.close();
if (!kept) rmSync(dir, { recursive: true, force: true });

console.log(`median of ${RUNS} runs; targets: write < 2 s, size < 5 MB, first render < 1 s\n`);
console.log('| report | write (ahe report, wall) | file size | first render (Chromium) |\n|---|---|---|---|');
console.log(rows.join('\n'));
