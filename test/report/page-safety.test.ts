// The report page shows text from agent output, task files and model text; nothing of it may become markup
// or code. Besides the CSP (html.test.ts) and the browser tests, the page's sources are searched for every
// API that parses a string as HTML or code, or sets an inline style or event-handler attribute: none may
// appear in src/report/page (comments aside). dom.ts's h() refuses such attributes too.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { safeHref } from '../../src/report/page/dom.ts';

const PAGE_DIR = new URL('../../src/report/page/', import.meta.url).pathname;

const FORBIDDEN: [string, RegExp][] = [
  ['innerHTML', /\binnerHTML\b/],
  ['outerHTML', /\bouterHTML\b/],
  ['insertAdjacentHTML', /\binsertAdjacentHTML\b/],
  ['document.write', /\bdocument\s*\.\s*write(ln)?\b/],
  ['eval', /(^|[^.\w])eval\s*\(/],
  ['new Function', /\bnew\s+Function\b/],
  ['Function constructor call', /(^|[^.\w])Function\s*\(/],
  ['setAttribute(style/on…)', /setAttribute(NS)?\s*\(\s*(null\s*,\s*)?['"`](style|on)/i],
  ['srcdoc', /\bsrcdoc\b/],
  ['createContextualFragment', /\bcreateContextualFragment\b/],
  ['DOMParser', /\bDOMParser\b/],
  ['string timers', /set(Timeout|Interval)\s*\(\s*['"`]/],
  ['javascript: URL', /javascript:/i],
];

/** The source without its comments (block comments, and lines that are comments). */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((line) => !/^\s*\/\//.test(line))
    .join('\n');
}

function violations(source: string): string[] {
  const found: string[] = [];
  for (const [i, line] of code(source).split('\n').entries())
    for (const [name, pattern] of FORBIDDEN) if (pattern.test(line)) found.push(`${name}: ${line.trim()} (${i + 1})`);
  return found;
}

describe('the report page sources', () => {
  const files = readdirSync(PAGE_DIR).filter((f) => /\.(ts|css)$/.test(f));

  it('are there (the search below searched something)', () => {
    for (const expected of ['main.ts', 'dom.ts', 'table.ts', 'trial-view.ts', 'job-view.ts', 'styles.css'])
      assert.ok(files.includes(expected), expected);
  });

  it('never parse a string as HTML or code, nor set a style or on… attribute', () => {
    const found = files.flatMap((f) => violations(readFileSync(join(PAGE_DIR, f), 'utf8')).map((v) => `${f}: ${v}`));
    assert.deepEqual(found, []);
  });

  it('the search finds what it looks for', () => {
    const samples = [
      'el.innerHTML = text;',
      'node.insertAdjacentHTML("beforeend", x)',
      'document.write(x)',
      'eval(code)',
      'const f = new Function("a", body);',
      "el.setAttribute('style', 'color:red')",
      'el.setAttribute("onclick", x)',
      "setTimeout('alert(1)', 0)",
      'a.href = "javascript:alert(1)"',
    ];
    for (const sample of samples) assert.notDeepEqual(violations(sample), [], sample);
    assert.deepEqual(violations('// innerHTML is never used\nconst x = evaluate(1);\nel.style.color = "red";'), []);
  });

  it('the stylesheet loads nothing (no @import, no url() but data:)', () => {
    const css = readFileSync(join(PAGE_DIR, 'styles.css'), 'utf8');
    assert.doesNotMatch(css, /@import/);
    for (const m of css.matchAll(/url\(\s*['"]?([^'")]*)/g)) assert.match(m[1] ?? '', /^data:/);
    assert.doesNotMatch(css, /@font-face/);
  });

  it('links: fragments, relative and http(s) go in an href; script and HTML data URLs do not', () => {
    for (const ok of ['#job=x', '?path=a', './x', 'https://example.org', 'blob:null/1', 'data:image/png;base64,AA'])
      assert.equal(safeHref(ok), true, ok);
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>', 'vbscript:x'])
      assert.equal(safeHref(bad), false, bad);
  });
});
