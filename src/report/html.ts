// The report page as one HTML document: the bundled page script and stylesheet (dist/report-page/, built
// by scripts/bundle-report-page.mjs) inlined, the data embedded as JSON blocks, and a Content-Security-Policy
// that lets exactly those two inline blocks run (by their sha256) and nothing else — no 'unsafe-inline', no
// network but the page's own origin, so a trace holding <script> or an onerror attribute executes nothing
// even if it reached the DOM. `ahe report` writes it with the payload and trial details embedded (it opens
// from disk, offline); `ahe serve` sends it with only the API's base URL in a <meta> and no data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { bundledPath } from '../bundled-path.ts';
import { UserError } from '../errors.ts';
import {
  API_META_NAME,
  PAYLOAD_ELEMENT_ID,
  type ReportPayload,
  TRIALS_ELEMENT_ID,
  type TrialDetail,
} from './report-data.ts';

export interface ReportHtmlInput {
  /** The static file's data; absent when the page loads it from `api`. */
  payload?: ReportPayload;
  /** Trial details to embed (compressed), by TrialRow.detail_ref. */
  trials?: Record<string, TrialDetail>;
  /** `ahe serve`: the API's base URL (e.g. '/api'). */
  api?: string;
  /** The document's title (default: the payload's). */
  title?: string;
}

interface PageAssets {
  script: string;
  style: string;
}

/** The bundled page; read once per process (the files do not change under a running ahe). */
let assets: PageAssets | null = null;

function readAsset(relative: string): string {
  const file = bundledPath(relative);
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`the report page is not built: ${file} is missing (run npm run build)`);
  }
}

function pageAssets(): PageAssets {
  if (assets) return assets;
  const script = readAsset('dist/report-page/page.js');
  const style = readAsset('dist/report-page/page.css');
  // Inlined, the bundle must not be able to close its own element (esbuild escapes these in strings; a
  // bundle that still holds one is a build defect, refused rather than written as a broken page).
  if (/<\/script|<!--/i.test(script)) throw new Error('dist/report-page/page.js contains </script or <!--');
  if (/<\/style/i.test(style)) throw new Error('dist/report-page/page.css contains </style');
  assets = { script, style };
  return assets;
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` escaped as \u003c… so no
 * `</script>` or `<!--` in the data can end the block or change how the HTML parser reads it, and
 * U+2028/U+2029 escaped too. JSON.parse reads it back unchanged.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Text for an HTML element's content or a quoted attribute. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The gzip level of embedded trial details. Measured on bench/report.ts's 20-iteration run: level 4
 * writes in 1.0 s where the default 6 takes 1.25 s (9 takes 1.7 s), and its output is a little larger
 * (68 details fit the 5 MB file instead of 76); level 1 is no faster than 4 and fits 63.
 */
export const DETAIL_GZIP_LEVEL = 4;

/** gzip of a detail's JSON text, at the level the page's trials block uses. */
export const gzipDetail = (json: string): Buffer => gzipSync(json, { level: DETAIL_GZIP_LEVEL });

/** Encodings already made, by detail object: a page trimmed to its budget is rendered again without recompressing. */
const encoded = new WeakMap<TrialDetail, string>();

/** A trial detail as the page's trials block carries it: base64 of the gzip of its JSON. */
export function encodeTrialDetail(detail: TrialDetail): string {
  let text = encoded.get(detail);
  if (text === undefined) {
    text = gzipDetail(JSON.stringify(detail)).toString('base64');
    encoded.set(detail, text);
  }
  return text;
}

/** The whole page and the CSP it carries (ahe serve sends the same policy as a response header). */
export function renderReportHtml(input: ReportHtmlInput): { html: string; csp: string } {
  if (!input.payload && input.api === undefined) throw new Error('renderReportHtml needs a payload or an api URL');
  const { script, style } = pageAssets();
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    'img-src data: blob:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = input.title ?? input.payload?.title ?? 'ahe report';
  const blocks: string[] = [];
  // The trial details (most of a large file) come after the page's script: the browser runs the script
  // and draws the view before it has parsed them; the page reads them when a trial is first opened.
  const after: string[] = [];
  if (input.payload) {
    blocks.push(`<script type="application/json" id="${PAYLOAD_ELEMENT_ID}">${scriptSafeJson(input.payload)}</script>`);
    const trials: Record<string, string> = {};
    for (const [ref, detail] of Object.entries(input.trials ?? {})) trials[ref] = encodeTrialDetail(detail);
    after.push(`<script type="application/json" id="${TRIALS_ELEMENT_ID}">${scriptSafeJson(trials)}</script>`);
  }
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    input.api !== undefined ? `<meta name="${API_META_NAME}" content="${escapeHtml(input.api)}">` : '',
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<div id="app"><p class="loading">Loading the report…</p></div>',
    '<noscript><p>This report needs JavaScript to show its data.</p></noscript>',
    ...blocks,
    `<script>${script}</script>`,
    ...after,
    '</body>',
    '</html>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { html: `${html}\n`, csp };
}
