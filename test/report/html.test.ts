// The report file's HTML (src/report/html.ts): the page script and stylesheet inlined and allowed by their
// sha256 in the CSP (never 'unsafe-inline'), nothing fetched from anywhere, hostile data kept inside its
// JSON block whatever it holds, and trial details that decode back to what was embedded. Needs the page
// bundle (npm run build).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { bundledPath } from '../../src/bundled-path.ts';
import { encodeTrialDetail, renderReportHtml, scriptSafeJson } from '../../src/report/html.ts';
import { inflateDetail } from '../../src/report/page/source.ts';
import { PAYLOAD_ELEMENT_ID, TRIALS_ELEMENT_ID } from '../../src/report/report-data.ts';
import {
  HOSTILE,
  hostileTrial,
  multiStepTrial,
  sampleDebug,
  sampleJob,
  samplePayload,
  sampleTrials,
} from './fixtures/page-samples.ts';

const built = existsSync(bundledPath('dist/report-page/page.js'));
const skip = built ? false : 'the page bundle is not built (npm run build)';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Every <script …>…</script> and <style>…</style> of a document, as the HTML parser would cut them. */
function blocks(html: string, tag: 'script' | 'style'): { attrs: string; text: string }[] {
  const found: { attrs: string; text: string }[] = [];
  const open = new RegExp(`<${tag}(\\s[^>]*)?>`, 'gi');
  for (let m = open.exec(html); m; m = open.exec(html)) {
    const start = m.index + m[0].length;
    const end = html.toLowerCase().indexOf(`</${tag}`, start);
    assert.ok(end >= 0, `an unclosed <${tag}>`);
    found.push({ attrs: m[1] ?? '', text: html.slice(start, end) });
    open.lastIndex = end;
  }
  return found;
}

const jsonBlock = (html: string, id: string) => {
  const block = blocks(html, 'script').find((b) => b.attrs.includes(`id="${id}"`));
  assert.ok(block, `no #${id} block`);
  assert.match(block.attrs, /type="application\/json"/);
  return JSON.parse(block.text) as unknown;
};

describe('renderReportHtml', { skip }, () => {
  const payload = samplePayload(sampleJob);
  const { html, csp } = renderReportHtml({ payload, trials: sampleTrials });

  it('allows exactly its inline script and style by their sha256, never unsafe-inline or unsafe-eval', () => {
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /base-uri 'none'/);
    assert.match(csp, /form-action 'none'/);
    const scripts = blocks(html, 'script').filter((b) => !/type="application\/json"/.test(b.attrs));
    assert.equal(scripts.length, 1, 'one executable script');
    const styles = blocks(html, 'style');
    assert.equal(styles.length, 1);
    const scriptSrc = /script-src ([^;]+)/.exec(csp)?.[1]?.trim();
    const styleSrc = /style-src ([^;]+)/.exec(csp)?.[1]?.trim();
    assert.equal(scriptSrc, sha256(scripts[0]?.text ?? ''));
    assert.equal(styleSrc, sha256(styles[0]?.text ?? ''));
    // The policy is in the document itself (a file opened from disk has no headers).
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp.replaceAll("'", '&#39;')}">`));
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<script'), 'the policy comes before any script');
  });

  it('loads nothing from anywhere: no src, no stylesheet link, no external URL in an attribute', () => {
    assert.doesNotMatch(html, /<(script|img|iframe|link)[^>]*\ssrc=/i);
    assert.doesNotMatch(html, /<link[^>]*rel="?stylesheet/i);
    assert.doesNotMatch(html, /(href|src|action)="(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import|url\(\s*['"]?https?:/i);
  });

  it('keeps hostile text inside its JSON block, which parses back to the payload', () => {
    assert.ok(JSON.stringify(payload).includes('</script><script>alert(1)</script><!--'));
    // Three scripts in the document: the data, the trials and the page; the payload opened none.
    assert.equal((html.match(/<script/gi) ?? []).length, 3);
    assert.equal(html.includes('<!--'), false);
    assert.equal(html.toLowerCase().split('</script').length - 1, 3);
    assert.deepEqual(jsonBlock(html, PAYLOAD_ELEMENT_ID), payload);
    // The title is escaped text.
    assert.ok(html.includes('<title>Report &#60;/script&#62;&#60;script&#62;alert(1)'));
  });

  it('embeds each trial detail as base64 of gzip of its JSON, by ref', async () => {
    const trials = jsonBlock(html, TRIALS_ELEMENT_ID) as Record<string, string>;
    assert.deepEqual(Object.keys(trials).sort(), Object.keys(sampleTrials).sort());
    const hostileRef = `.#${HOSTILE}__1`;
    const encoded = trials[hostileRef];
    assert.ok(encoded);
    assert.deepEqual(JSON.parse(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8')), hostileTrial);
    // …and the page's own decoder (DecompressionStream, in node too) reads the same.
    assert.deepEqual(await inflateDetail(trials['.#csv-sum__1'] ?? ''), multiStepTrial);
  });

  it('for ahe serve: the API base in a meta, no data blocks, the same kind of policy', () => {
    const served = renderReportHtml({ api: '/api"><script>x</script>', title: 'ahe serve · <dir>' });
    assert.ok(served.html.includes('<meta name="ahe-api" content="/api&#34;&#62;&#60;script&#62;x&#60;/script&#62;">'));
    assert.equal(served.html.includes(`id="${PAYLOAD_ELEMENT_ID}"`), false);
    assert.equal((served.html.match(/<script/gi) ?? []).length, 1);
    assert.ok(served.html.includes('<title>ahe serve · &#60;dir&#62;</title>'));
    assert.equal(served.csp, csp);
  });

  it('a debug payload without trials still has an (empty) trials block', () => {
    const { html: debugHtml } = renderReportHtml({ payload: samplePayload(sampleDebug) });
    assert.deepEqual(jsonBlock(debugHtml, TRIALS_ELEMENT_ID), {});
    assert.deepEqual(jsonBlock(debugHtml, PAYLOAD_ELEMENT_ID), samplePayload(sampleDebug));
  });

  it('refuses to render with neither data nor an API', () => {
    assert.throws(() => renderReportHtml({}), /payload or an api/);
  });
});

describe('scriptSafeJson', () => {
  it('escapes <, >, & and the JavaScript line separators, and parses back unchanged', () => {
    const value = { s: `a</script><!--b&c\u2028d\u2029e>`, n: [1, null] };
    const text = scriptSafeJson(value);
    assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('encodeTrialDetail is gzip + base64 of the JSON', () => {
    const text = gunzipSync(Buffer.from(encodeTrialDetail(hostileTrial), 'base64')).toString('utf8');
    assert.equal(text, JSON.stringify(hostileTrial));
  });
});
