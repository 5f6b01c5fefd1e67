// CTRF test reports (verifier/ctrf.json, written by pytest-json-ctrf): the best source of failing tests.
// Real reports put a generic `message` ("The test failed in the call phase due to an assertion error")
// and the real assertion in `trace`, so the `E   …` lines of the trace are preferred.
import type { FailingTest } from './digest.ts';
import { cutMessage, type TestSummary } from './pytest-output.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const FAILED = new Set(['failed', 'error', 'broken', 'timedout']);

export interface CtrfReading {
  summary?: TestSummary;
  failing: FailingTest[];
}

function failureMessage(test: Obj): string {
  const trace = typeof test.trace === 'string' ? test.trace : '';
  const eLines = trace
    .split('\n')
    .map((l) => /^E\s+(.*\S)/.exec(l)?.[1]?.trim())
    .filter((l): l is string => !!l)
    .slice(0, 3);
  if (eLines.length) return cutMessage(eLines.join(' / '));
  const message = typeof test.message === 'string' ? test.message.trim() : '';
  if (message) return cutMessage(message);
  const lastTraceLine = trace.trim().split('\n').pop() ?? '';
  return cutMessage(lastTraceLine || String(test.status));
}

/** Returns null when the document is not a CTRF report. */
export function readCtrf(data: unknown): CtrfReading | null {
  const results = obj(obj(data).results);
  if (!Array.isArray(results.tests) && !results.summary) return null;
  const s = obj(results.summary);
  const tests = Array.isArray(results.tests) ? results.tests.map(obj) : [];
  const summary =
    num(s.tests) !== undefined
      ? {
          tests: num(s.tests)!,
          passed: num(s.passed) ?? 0,
          failed: num(s.failed) ?? 0,
          ...(num(s.skipped) ? { skipped: num(s.skipped) } : {}),
        }
      : undefined;
  const failing = tests
    .filter((t) => FAILED.has(String(t.status).toLowerCase()))
    .slice(0, 30)
    .map((t) => ({ name: String(t.name ?? '?'), message: failureMessage(t) }));
  return { ...(summary ? { summary } : {}), failing };
}
