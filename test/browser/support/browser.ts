// Headless Chromium for the report pages' tests: Debian's `chromium` (or AHE_CHROMIUM) driven by
// playwright-core — no browser download. scripts/setup-chromium.mjs installs it when it can and writes
// why it cannot to a skip file; `browserSkipReason` reads it so every test skips with that reason.
// Each test gets a fresh context, and a watch on everything the page must never do: log an error, throw,
// trip its Content-Security-Policy, or ask the network for anything (a static report is offline).
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const SKIP_FILE = join(tmpdir(), 'ahe-browser-skip.txt');

export const chromiumPath = () => process.env.AHE_CHROMIUM?.trim() || '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (existsSync(SKIP_FILE)) return readFileSync(SKIP_FILE, 'utf8').trim();
  if (!existsSync(chromiumPath()))
    return `${chromiumPath()} is missing: run \`node scripts/setup-chromium.mjs\` (installs Debian's chromium as root) or set AHE_CHROMIUM`;
  return undefined;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A CSP violation as the page's securitypolicyviolation event reports it. */
export interface CspViolation {
  directive: string;
  blocked: string;
  sample: string;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught page errors, CSP violations and forbidden requests, in order, as text. */
  problems: string[];
  csp: CspViolation[];
  close(): Promise<void>;
}

/**
 * A page in a fresh context, watched. `allowOrigin` (ahe serve's http://127.0.0.1:port) is the one origin
 * it may fetch from; without it only file:, data: and blob: URLs may be requested.
 */
export async function openWatchedPage(
  browser: Browser,
  options: { width?: number; height?: number; allowOrigin?: string } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    acceptDownloads: true,
  });
  const problems: string[] = [];
  const csp: CspViolation[] = [];
  await context.exposeBinding('__aheCspViolation', (_source, v: CspViolation) => {
    csp.push(v);
    problems.push(`CSP violation: ${v.directive} blocked ${v.blocked || '(inline)'} ${v.sample}`.trim());
  });
  // Runs before any page script (injected by the browser, not subject to the page's CSP).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __aheCspViolation(v: CspViolation): void }).__aheCspViolation({
        directive: e.effectiveDirective || e.violatedDirective,
        blocked: e.blockedURI,
        sample: e.sample,
      });
    });
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  context.on('request', (request) => {
    const url = request.url();
    if (/^(file|data|blob):/.test(url)) return;
    if (options.allowOrigin && url.startsWith(`${options.allowOrigin}/`)) return;
    problems.push(`network request: ${request.method()} ${url}`);
  });
  return { page, context, problems, csp, close: () => context.close() };
}

/**
 * Waits until every chart container under the page is drawn; returns their names. A chart is drawn when
 * it comes near the viewport (src/report/page/charts.ts), so each is scrolled into view first; the page is
 * scrolled back to its top afterwards.
 */
export async function waitForCharts(page: Page, expected: string[], timeout = 30_000): Promise<string[]> {
  for (const name of expected) await page.waitForSelector(`[data-chart="${name}"]`, { state: 'attached', timeout });
  const names = await page.$$eval('[data-chart]', (els) => els.map((e) => e.getAttribute('data-chart') ?? ''));
  for (const name of names) {
    await page.locator(`[data-chart="${name}"]`).first().scrollIntoViewIfNeeded({ timeout });
    await page.waitForSelector(`[data-chart="${name}"][data-rendered="true"]`, { state: 'attached', timeout });
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  return names;
}

/**
 * Whether a drawn chart's canvas shows something: at least two distinct colours among its pixels (an
 * empty or single-colour canvas is blank). Returns the number of distinct colours seen (sampled).
 */
export function canvasColours(page: Page, name: string): Promise<number> {
  return page.$eval(`[data-chart="${name}"]`, (container) => {
    const canvas = container.querySelector('canvas');
    if (!canvas?.width || !canvas.height) return 0;
    const ctx = canvas.getContext('2d');
    if (!ctx) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set<number>();
    const stride = Math.max(1, Math.floor(data.length / 4 / 20_000)) * 4;
    for (let i = 0; i < data.length && seen.size < 64; i += stride)
      seen.add(((data[i]! << 24) | (data[i + 1]! << 16) | (data[i + 2]! << 8) | data[i + 3]!) >>> 0);
    return seen.size;
  });
}

/** Clicks what `click` clicks and returns the download it starts (its file name and bytes). */
export async function downloadOf(
  page: Page,
  click: () => Promise<void>,
  timeout = 20_000,
): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout }), click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

/** Polls `condition` until it is true (or the deadline passes: false). */
export async function pollUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
