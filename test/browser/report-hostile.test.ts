// Hostile content in a report executes nothing. A real `ahe eval` job whose scripted agent puts
// `<script>`, `<img onerror>`, `"><svg onload>` and `javascript:` links into its message, reasoning,
// tool call and tool output, and whose task name and verifier output carry them too (test/browser/support/
// fixtures.ts, hostileJob), plus `ahe debug`'s output over it: every view is opened and the payloads must
// show as text while window.__pwned stays undefined, no CSP violation is reported (the page never even
// tries to run them), and no element the payloads would create exists.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser } from './support/browser.ts';
import {
  debugOutput,
  HOSTILE_TASK,
  HOSTILE_TRIAL,
  hostileJob,
  PAYLOADS,
  tmp,
  writeReport,
} from './support/fixtures.ts';
import { assertClean, openReport, openTaskTrial, viewText, visibleText } from './support/report-page.ts';

const skip = browserSkipReason();
let browser: Browser;
let jobFile = '';
let debugFile = '';

before(async () => {
  if (skip) return;
  const job = hostileJob();
  const out = tmp('hostile-report');
  jobFile = writeReport([job], join(out, 'job.html'));
  debugFile = writeReport([debugOutput(job)], join(out, 'debug.html'));
  browser = await launchBrowser();
});
after(() => browser?.close());

/** Nothing ran, and nothing a payload would create is in the document. */
async function assertInert(page: Page): Promise<void> {
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), undefined);
  const planted = await page.evaluate(() => ({
    scripts: [...document.querySelectorAll('script')].filter(
      (s) => !s.type.includes('json') && s.textContent?.includes('__pwned'),
    ).length,
    handlers: [...document.querySelectorAll('*')].filter((e) =>
      [...e.attributes].some((a) => a.name.startsWith('on') || /^\s*javascript:/i.test(a.value)),
    ).length,
    imgs: document.querySelectorAll('img[src="x"]').length,
    svgs: [...document.querySelectorAll('svg')].filter((s) => s.getAttribute('onload') !== null).length,
  }));
  assert.deepEqual(planted, { scripts: 0, handlers: 0, imgs: 0, svgs: 0 }, 'no element or handler from a payload');
}

test('the hostile job view: the task name is text, nothing runs', { skip }, async () => {
  const w = await openReport(browser, jobFile);
  try {
    await assertInert(w.page);
    assert.ok((await viewText(w.page)).includes(HOSTILE_TASK), 'the task name is shown as typed');
    assertClean(w, 'hostile job view');
  } finally {
    await w.close();
  }
});

test('the hostile trial view: trajectory and verifier output shown as text, nothing runs', { skip }, async () => {
  const w = await openReport(browser, jobFile);
  try {
    await openTaskTrial(w.page, HOSTILE_TASK, HOSTILE_TRIAL);
    const expand = w.page.locator('#view button', { hasText: 'expand all' });
    if (await expand.count()) await expand.first().click();
    const text = await viewText(w.page);
    for (const [name, payload] of Object.entries(PAYLOADS))
      assert.ok(text.includes(payload), `the ${name} payload is visible as text in the trial view`);
    assert.ok(text.includes(`FAILED test_payload - ${PAYLOADS.script}`), 'the verifier output is shown as text');
    await assertInert(w.page);
    // A click on every link and button of the view runs nothing either.
    const links = await w.page.locator('#view a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) assert.doesNotMatch(href ?? '', /^\s*javascript:/i, `a link to ${href}`);
    assertClean(w, 'hostile trial view');
  } finally {
    await w.close();
  }
});

test("the debugger's output over the hostile job: overview, details and digest inert", { skip }, async () => {
  const w = await openReport(browser, debugFile);
  try {
    for (const row of await w.page.locator('#debug-tasks tr.clickable').all()) await row.click();
    assert.ok((await visibleText(w.page, 'body')).includes(PAYLOADS.svg), 'payloads in the digest are shown as text');
    await assertInert(w.page);
    assertClean(w, 'hostile debug view');
  } finally {
    await w.close();
  }
});
