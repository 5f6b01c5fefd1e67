// Bundles the report page (src/report/page/main.ts, with its charting library) into
// dist/report-page/page.js and its stylesheet (src/report/page/styles.css) into page.css, which
// `ahe report` inlines into every report file and `ahe serve` sends (src/report/html.ts). One classic
// script (an IIFE: the page's CSP allows exactly one inline script by its hash), minified, for the
// browsers a researcher has (Chromium 110 and later, their Firefox and Safari peers). Runs as the last
// step of `npm run build`.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/report-page`;
mkdirSync(outdir, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  logLevel: 'warning',
  // Apache ECharts' licence notice is kept, once, at the end.
  legalComments: 'eof',
};
await Promise.all([
  build({
    ...common,
    entryPoints: [`${root}src/report/page/main.ts`],
    outfile: `${outdir}/page.js`,
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"', __DEV__: 'false' },
  }),
  build({ ...common, entryPoints: [`${root}src/report/page/styles.css`], outfile: `${outdir}/page.css` }),
]);
