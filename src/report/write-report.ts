// `ahe report`'s file: one self-contained HTML page (html.ts inlines the page's script, style and data)
// kept under FILE_BUDGET_BYTES. The page and the payload are measured first; what is left of the budget
// goes to trial details, in the priority order of load-embedded-trials.ts, and the payload names the
// ones left out. Embedded sizes are partly estimated, so the written page is measured again and, if it
// came out over the budget, the lowest-priority details leave until it fits. Written atomically, so a
// reader (or `ahe serve`) never sees half a file.
import { resolve } from 'node:path';
import { writeFileAtomic } from '../trace/write-atomic.ts';
import { encodeTrialDetail, renderReportHtml } from './html.ts';
import { embedTrials } from './load-embedded-trials.ts';
import { buildReport, embeddingOf } from './load-report.ts';
import type { ReportPayload, TrialDetail } from './report-data.ts';

/** A static report stays under 5 MB (docs/report.md, "Size"), with a margin. */
export const FILE_BUDGET_BYTES = 4_800_000;
/** Rounds of trimming a page that came out over its budget. */
const MAX_TRIMS = 4;

export interface WriteReportOptions {
  /** The whole file's byte budget (FILE_BUDGET_BYTES by default). */
  maxFileBytes?: number;
  now?: number;
}

export interface WrittenReport {
  file: string;
  bytes: number;
  /** Trial details embedded, of those the report has. */
  embedded: number;
  total: number;
  /** What could not be read from the inputs (malformed trial files…), as the page lists it. */
  problems: string[];
}

/** Every `problems` list of the payload's views, in order (the page shows each beside its view). */
function problemsOf(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) problemsOf(item, out);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      if (key === 'problems' && Array.isArray(item)) out.push(...item.filter((p) => typeof p === 'string'));
      else problemsOf(item, out);
    }
  return out;
}

const render = (payload: ReportPayload, trials: Record<string, TrialDetail>) =>
  renderReportHtml({ payload, trials, title: payload.title }).html;

export async function writeReportFile(
  paths: string[],
  outFile: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const maxBytes = options.maxFileBytes ?? FILE_BUDGET_BYTES;
  const { payload, candidates } = buildReport(paths, options.now !== undefined ? { now: options.now } : {});
  const allRefs = [...new Set(candidates.map((c) => c.ref))];
  // Measured with every ref listed as left out: the most the payload can weigh.
  payload.embedded_trials = embeddingOf(candidates, {}, allRefs, 0);
  const shell = Buffer.byteLength(render(payload, {}));
  const budget = Math.max(0, maxBytes - shell);
  const { trials, leftOut } = await embedTrials(candidates, budget);
  payload.embedded_trials = embeddingOf(candidates, trials, leftOut, budget);
  let html = render(payload, trials);
  for (let round = 0; round < MAX_TRIMS && Buffer.byteLength(html) > maxBytes; round++) {
    // Details are in priority order (insertion order of their refs): the last ones leave first.
    const refs = Object.keys(trials);
    if (refs.length === 0) break;
    let over = Buffer.byteLength(html) - maxBytes + 1024;
    while (over > 0 && refs.length) {
      const ref = refs.pop()!;
      // Its encoding as the page carries it (already made by the render above, not compressed again).
      over -= encodeTrialDetail(trials[ref]!).length;
      delete trials[ref];
      leftOut.push(ref);
    }
    payload.embedded_trials = embeddingOf(candidates, trials, leftOut, budget);
    html = render(payload, trials);
  }
  const file = resolve(outFile);
  writeFileAtomic(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    embedded: payload.embedded_trials.embedded,
    total: payload.embedded_trials.total,
    problems: problemsOf(payload),
  };
}
