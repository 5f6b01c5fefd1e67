// The page shell's logic that needs no browser: CSV export (RFC 4180, formula cells defused), table
// sorting, where long text is cut, tool arguments made readable, and the hash routes with the keys that
// find a report's jobs and trials again after a live update. The drawing is the browser tests' part.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField, toCsv } from '../../src/report/page/csv.ts';
import { findTrial, formatRoute, jobsOf, parseRoute } from '../../src/report/page/router.ts';
import { compareValues } from '../../src/report/page/table.ts';
import { prettyArguments } from '../../src/report/page/trial-view.ts';
import { CUT_CHARS, CUT_LINES, cutText } from '../../src/report/page/view-parts.ts';
import type { CompareJobsReport, RunReport } from '../../src/report/report-data.ts';
import { HOSTILE, sampleDebug, sampleJob } from './fixtures/page-samples.ts';

describe('CSV export', () => {
  it('quotes fields holding commas, quotes or line breaks, doubling quotes', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(' padded '), '" padded "');
  });

  it('defuses text a spreadsheet would run as a formula, but not numbers', () => {
    for (const formula of ['=1+1', '+cmd', '-2+3', '@SUM(A1)', '\tx', '\r=x'])
      assert.ok(csvField(formula).replace(/^"/, '').startsWith("'"), formula);
    assert.equal(csvField('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
    assert.equal(csvField(-0.5), '-0.5');
    assert.equal(csvField(12), '12');
    assert.equal(csvField(null), '');
    assert.equal(csvField(Number.NaN), '');
  });

  it('writes a header and rows separated by CRLF', () => {
    assert.equal(
      toCsv(
        ['task', 'pass'],
        [
          ['a', 1],
          ['=b', null],
        ],
      ),
      "task,pass\r\na,1\r\n'=b,\r\n",
    );
  });
});

describe('table sorting', () => {
  it('sorts numbers as numbers and text naturally, with nulls last either way', () => {
    const values = [10, null, 2, 33];
    assert.deepEqual(
      [...values].sort((a, b) => compareValues(a, b, false)),
      [2, 10, 33, null],
    );
    assert.deepEqual(
      [...values].sort((a, b) => compareValues(a, b, true)),
      [33, 10, 2, null],
    );
    const names = ['task-10', 'task-2', null, 'Task-1'];
    assert.deepEqual(
      [...names].sort((a, b) => compareValues(a, b, false)),
      ['Task-1', 'task-2', 'task-10', null],
    );
  });
});

describe('long text', () => {
  it('is cut at about 2000 characters or 40 lines, short text is not', () => {
    assert.equal(cutText('short\ntext'), null);
    const manyLines = Array.from({ length: 100 }, (_, i) => `l${i}`).join('\n');
    assert.equal(cutText(manyLines)?.split('\n').length, CUT_LINES);
    const oneLong = 'x'.repeat(5000);
    assert.equal(cutText(oneLong)?.length, CUT_CHARS);
  });

  it('tool arguments are indented when JSON, shown as given otherwise', () => {
    assert.equal(prettyArguments('{"command":"ls","n":1}'), '{\n  "command": "ls",\n  "n": 1\n}');
    assert.equal(prettyArguments('not json <b>'), 'not json <b>');
  });
});

describe('routes', () => {
  it('round-trip through the hash, hostile refs included', () => {
    const route = { job: 'it3', trial: `.#${HOSTILE}__1&x=y` };
    assert.deepEqual(parseRoute(formatRoute(route)), route);
    assert.deepEqual(parseRoute(''), {});
    assert.deepEqual(parseRoute('#'), {});
  });

  it("name a report's jobs by their place, so a new payload finds them again", () => {
    assert.deepEqual(
      jobsOf(sampleJob).map((e) => e.key),
      ['job'],
    );
    assert.deepEqual(
      jobsOf(sampleDebug).map((e) => e.key),
      ['job'],
    );
    const iteration = (n: number, withHoldout: boolean) =>
      ({
        iteration: n,
        job: sampleJob,
        holdout_job: withHoldout ? sampleJob : null,
      }) as unknown as RunReport['iterations'][number];
    const run = {
      kind: 'run',
      name: 'r',
      iterations: [iteration(0, false), iteration(1, true)],
    } as unknown as RunReport;
    assert.deepEqual(
      jobsOf(run).map((e) => [e.key, e.label]),
      [
        ['it0', 'iteration 0'],
        ['it1', 'iteration 1'],
        ['it1-holdout', 'iteration 1 held-out'],
      ],
    );
    const compare = { kind: 'compare-jobs', jobs: [sampleJob, sampleJob], tasks: [], paired: [] } as CompareJobsReport;
    assert.deepEqual(
      jobsOf(compare).map((e) => e.key),
      ['j0', 'j1'],
    );
    assert.deepEqual(
      jobsOf({ kind: 'compare-runs', runs: [run] }).map((e) => e.key),
      ['r0-it0', 'r0-it1', 'r0-it1-holdout'],
    );
  });

  it("find a trial's row and job by its ref", () => {
    const found = findTrial(sampleDebug, '.#csv-sum__2');
    assert.equal(found?.key, 'job');
    assert.equal(found?.row.id, 'csv-sum__2');
    assert.equal(findTrial(sampleDebug, 'nope'), null);
  });
});
