// `npm run docs:guide`: writes the generated component guide (src/evolve/component-guide.ts) into the
// marked region at the end of docs/harness.md and into docs/component-guide.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderComponentGuide, withGuideRegion } from '../src/evolve/component-guide.ts';

const harnessDoc = fileURLToPath(new URL('../docs/harness.md', import.meta.url));
writeFileSync(harnessDoc, withGuideRegion(readFileSync(harnessDoc, 'utf8')));
writeFileSync(fileURLToPath(new URL('../docs/component-guide.md', import.meta.url)), renderComponentGuide());
console.log('wrote the component guide into docs/harness.md and docs/component-guide.md');
