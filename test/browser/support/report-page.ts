// Steps the browser tests take on a report page: open it watched, check its charts are drawn, open a
// task's trial, click a heatmap cell. Selectors are the page's own (src/report/page/): tables
// `[data-table] tr.clickable`, the task panel `.task-panel`, the trial view (route `#…&trial=`) `.steps > .step[data-step]`,
// the run heatmap's panel `[data-cell-trials]`, charts `[data-chart][data-rendered="true"]`.
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { canvasColours, openWatchedPage, type WatchedPage, waitForCharts } from './browser.ts';

/** Opens a report file from disk; waits until its view is on the page. */
export async function openReport(browser: Browser, file: string, width = 1400): Promise<WatchedPage> {
  const watched = await openWatchedPage(browser, { width });
  await watched.page.goto(pathToFileURL(file).href);
  await watched.page.waitForSelector('#view > *', { timeout: 30_000 });
  return watched;
}

/** Fails with everything the page did wrong (console errors, page errors, CSP violations, requests). */
export function assertClean(watched: WatchedPage, what: string): void {
  assert.deepEqual(watched.problems, [], `${what}: the page reported problems`);
}

/**
 * Every expected chart drawn (data-rendered="true") with a canvas that is not blank, and every other
 * chart on the page too; returns the names of the charts on the page.
 */
export async function assertChartsDrawn(page: Page, expected: string[]): Promise<string[]> {
  const names = await waitForCharts(page, expected);
  for (const name of expected) assert.ok(names.includes(name), `chart ${name} is on the page (found: ${names})`);
  for (const name of names) {
    await page.waitForSelector(`[data-chart="${name}"][data-rendered="true"]`, { state: 'attached', timeout: 30_000 });
    const colours = await canvasColours(page, name);
    assert.ok(colours >= 2, `chart ${name}: its canvas is blank (${colours} colour)`);
  }
  return names;
}

/** In a job view: clicks the task's row, then its first trial in the task's panel; waits for the trial view. */
export async function openTaskTrial(page: Page, task: string, trial: string): Promise<void> {
  await page.locator('[data-table] tr.clickable', { hasText: task }).first().click();
  await page.locator('.task-panel tr.clickable', { hasText: trial }).first().click();
  // The trial's route is set and its detail drawn: the trajectory's steps, or the verifier's output.
  await page.waitForFunction(
    () =>
      location.hash.includes('trial=') &&
      (!!document.querySelector('#view .steps') ||
        [...document.querySelectorAll('#view h2')].some((h) => /Verifier/.test(h.textContent ?? ''))),
    null,
    { timeout: 30_000 },
  );
}

/**
 * Clicks points of the run's heatmap until one opens a cell's trial list (the chart is a canvas: cells
 * have no elements); returns the number of trial buttons listed.
 */
export async function clickHeatmapCell(page: Page): Promise<number> {
  const box = await page.locator('[data-chart="task-heatmap"]').boundingBox();
  assert.ok(box, 'the heatmap is on the page');
  await page.locator('[data-chart="task-heatmap"]').scrollIntoViewIfNeeded();
  for (let fy = 0.3; fy < 0.8; fy += 0.1)
    for (let fx = 0.25; fx < 0.9; fx += 0.1) {
      const b = (await page.locator('[data-chart="task-heatmap"]').boundingBox()) ?? box;
      await page.mouse.click(b.x + b.width * fx, b.y + b.height * fy);
      const n = await page.locator('[data-cell-trials] button[data-trial]').count();
      if (n > 0) return n;
    }
  return 0;
}

/** The rendered text of an element (what a reader sees: hidden and collapsed parts left out). */
export function visibleText(page: Page, selector: string): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's rendered text, not the DOM property
  return page.innerText(selector);
}

/** The rendered text of the page's view. */
export const viewText = (page: Page) => visibleText(page, '#view');
